package booking

import (
	"context"
	"errors"
	"fmt"
)

// Money is an exact amount: integer micros of the currency's main unit and an ISO 4217
// code. Never a float.
type Money struct {
	// Micros is the amount in millionths of the currency unit (USD 15.00 = 15000000).
	Micros int64
	// Currency is the ISO 4217 code, e.g. "USD".
	Currency string
}

// String formats m as "USD 15.000000" for logs and descriptions.
func (m Money) String() string {
	sign, v := "", m.Micros
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s %s%d.%06d", m.Currency, sign, v/1_000_000, v%1_000_000)
}

// Processor moves money through a payment processor (payment/ has the adapters).
// Every call carries an idempotency key that is unique per attempt, so that a retried
// network call never charges twice while a new attempt is never answered with an old
// failure.
type Processor interface {
	// Name identifies the processor in the ledger ("sandbox", "stripe").
	Name() string
	// Charge takes amount now from a single-use token.
	Charge(ctx context.Context, req ChargeRequest) (Transaction, error)
	// Authorize holds amount on the card behind a single-use token (manual capture).
	Authorize(ctx context.Context, req ChargeRequest) (Transaction, error)
	// Capture captures an authorization, wholly or in part.
	Capture(ctx context.Context, req CaptureRequest) (Transaction, error)
	// Void releases an authorization without taking money.
	Void(ctx context.Context, req VoidRequest) (Transaction, error)
	// SaveCard upgrades a single-use token into a reusable card, charging nothing.
	SaveCard(ctx context.Context, req SaveCardRequest) (SavedCard, error)
	// ChargeSaved takes amount from a saved card (a no-show or late-cancellation fee).
	ChargeSaved(ctx context.Context, req ChargeSavedRequest) (Transaction, error)
	// Refund returns amount (all or part) of an earlier charge or capture.
	Refund(ctx context.Context, req RefundRequest) (Transaction, error)
}

// ChargeRequest charges or authorizes a single-use token.
type ChargeRequest struct {
	// Token is the processor's single-use token id (e.g. Stripe's tok_…), already
	// unwrapped from Google Pay's JSON by the adapter's ParseToken.
	Token string
	// Amount is exactly what to take.
	Amount Money
	// IdempotencyKey is unique per attempt.
	IdempotencyKey string
	// BookingID and Description are recorded at the processor for reconciliation.
	BookingID, Description string
}

// CaptureRequest captures an authorization.
type CaptureRequest struct {
	// AuthorizationID is the Transaction.ID of the authorization.
	AuthorizationID string
	// Amount is what to capture (at most what was authorized).
	Amount Money
	// IdempotencyKey is unique per attempt.
	IdempotencyKey string
}

// VoidRequest releases an authorization.
type VoidRequest struct {
	// AuthorizationID is the Transaction.ID of the authorization.
	AuthorizationID string
	// IdempotencyKey is unique per attempt.
	IdempotencyKey string
}

// SaveCardRequest upgrades a token into a reusable card.
type SaveCardRequest struct {
	// Token is the single-use token id.
	Token string
	// Email identifies the customer at the processor.
	Email string
	// IdempotencyKey is unique per attempt.
	IdempotencyKey string
	// BookingID is recorded at the processor.
	BookingID string
}

// SavedCard is a reusable card at the processor (never card data: ids only).
type SavedCard struct {
	// CustomerID is the processor's customer (Stripe cus_…).
	CustomerID string
	// PaymentMethodID is the processor's reusable payment method (Stripe pm_…).
	PaymentMethodID string
}

// ChargeSavedRequest charges a saved card.
type ChargeSavedRequest struct {
	// Card is the saved card.
	Card SavedCard
	// Amount is exactly what to take.
	Amount Money
	// IdempotencyKey is unique per attempt.
	IdempotencyKey string
	// BookingID and Description are recorded at the processor.
	BookingID, Description string
}

// RefundRequest refunds (part of) a charge.
type RefundRequest struct {
	// ChargeID is the Transaction.ID of the charge or capture.
	ChargeID string
	// Amount is what to return.
	Amount Money
	// IdempotencyKey is unique per attempt.
	IdempotencyKey string
}

// Transaction is the processor's record of one money movement.
type Transaction struct {
	// ID is the processor's transaction id (Stripe pi_… or re_…).
	ID string
	// Amount is what moved.
	Amount Money
}

// ErrDeclined: the processor refused the card. Adapters return a *DeclineError that
// wraps it; other errors are technical (ErrUnavailable when worth retrying).
var ErrDeclined = errors.New("card declined")

// DeclineError says why a card was declined.
type DeclineError struct {
	// Code is the processor's decline code, e.g. "card_declined", "insufficient_funds".
	Code string
	// CardTypeRejected is set when the card network is not accepted.
	CardTypeRejected bool
}

func (e *DeclineError) Error() string { return "card declined: " + e.Code }

// Unwrap makes errors.Is(err, ErrDeclined) true.
func (e *DeclineError) Unwrap() error { return ErrDeclined }
