package stripe

import (
	"context"
	"fmt"

	stripeapi "github.com/stripe/stripe-go/v85"

	"github.com/bookingserver/bookingserver/booking"
)

// Charge takes req.Amount now from a single-use token: a PaymentMethod from the token,
// then a PaymentIntent confirmed with automatic capture. The transaction id is the
// PaymentIntent's (pi_…).
func (p *Processor) Charge(ctx context.Context, req booking.ChargeRequest) (booking.Transaction, error) {
	return p.payWithToken(ctx, "charge", req, stripeapi.PaymentIntentCaptureMethodAutomatic)
}

// Authorize holds req.Amount on the card behind a single-use token: as Charge, with
// manual capture. The transaction id is the PaymentIntent's (pi_…).
func (p *Processor) Authorize(ctx context.Context, req booking.ChargeRequest) (booking.Transaction, error) {
	return p.payWithToken(ctx, "authorize", req, stripeapi.PaymentIntentCaptureMethodManual)
}

// payWithToken runs Charge or Authorize.
func (p *Processor) payWithToken(ctx context.Context, op string, req booking.ChargeRequest, capture stripeapi.PaymentIntentCaptureMethod) (booking.Transaction, error) {
	amount, currency, err := checkAmount(op, req.IdempotencyKey, req.Amount)
	if err != nil {
		return booking.Transaction{}, err
	}
	pm, err := p.paymentMethod(ctx, op, req.Token, req.IdempotencyKey)
	if err != nil {
		return booking.Transaction{}, err
	}
	params := &stripeapi.PaymentIntentCreateParams{
		Params:             params(req.IdempotencyKey, req.BookingID),
		Amount:             stripeapi.Int64(amount),
		Currency:           stripeapi.String(currency),
		PaymentMethod:      stripeapi.String(pm),
		PaymentMethodTypes: stripeapi.StringSlice([]string{"card"}),
		Confirm:            stripeapi.Bool(true),
		CaptureMethod:      stripeapi.String(string(capture)),
	}
	if req.Description != "" {
		params.Description = stripeapi.String(req.Description)
	}
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return booking.Transaction{}, classify(op, err)
	}
	if capture == stripeapi.PaymentIntentCaptureMethodManual {
		return intentTransaction(op, pi, stripeapi.PaymentIntentStatusRequiresCapture, pi.AmountCapturable)
	}
	return intentTransaction(op, pi, stripeapi.PaymentIntentStatusSucceeded, pi.AmountReceived)
}

// ChargeSaved takes req.Amount from a saved card, off session: a PaymentIntent with the
// customer and payment method, confirmed at once. The transaction id is the
// PaymentIntent's (pi_…).
func (p *Processor) ChargeSaved(ctx context.Context, req booking.ChargeSavedRequest) (booking.Transaction, error) {
	const op = "charge saved card"
	amount, currency, err := checkAmount(op, req.IdempotencyKey, req.Amount)
	if err != nil {
		return booking.Transaction{}, err
	}
	if req.Card.CustomerID == "" || req.Card.PaymentMethodID == "" {
		return booking.Transaction{}, fmt.Errorf("stripe: %s: saved card %+v lacks an id: %w", op, req.Card, booking.ErrInvalid)
	}
	params := &stripeapi.PaymentIntentCreateParams{
		Params:             params(req.IdempotencyKey, req.BookingID),
		Amount:             stripeapi.Int64(amount),
		Currency:           stripeapi.String(currency),
		Customer:           stripeapi.String(req.Card.CustomerID),
		PaymentMethod:      stripeapi.String(req.Card.PaymentMethodID),
		PaymentMethodTypes: stripeapi.StringSlice([]string{"card"}),
		OffSession:         stripeapi.Bool(true),
		Confirm:            stripeapi.Bool(true),
	}
	if req.Description != "" {
		params.Description = stripeapi.String(req.Description)
	}
	pi, err := p.client.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return booking.Transaction{}, classify(op, err)
	}
	return intentTransaction(op, pi, stripeapi.PaymentIntentStatusSucceeded, pi.AmountReceived)
}

// Capture captures req.Amount (at most what was authorized) of an authorization; Stripe
// releases the rest.
func (p *Processor) Capture(ctx context.Context, req booking.CaptureRequest) (booking.Transaction, error) {
	const op = "capture"
	amount, _, err := checkAmount(op, req.IdempotencyKey, req.Amount)
	if err != nil {
		return booking.Transaction{}, err
	}
	if req.AuthorizationID == "" {
		return booking.Transaction{}, fmt.Errorf("stripe: %s: no authorization id: %w", op, booking.ErrInvalid)
	}
	pi, err := p.client.V1PaymentIntents.Capture(ctx, req.AuthorizationID, &stripeapi.PaymentIntentCaptureParams{
		Params:          params(req.IdempotencyKey, ""),
		AmountToCapture: stripeapi.Int64(amount),
	})
	if err != nil {
		return booking.Transaction{}, classify(op, err)
	}
	return intentTransaction(op, pi, stripeapi.PaymentIntentStatusSucceeded, pi.AmountReceived)
}

// Void cancels an authorization. Nothing moves, so the transaction's amount is zero in
// the authorization's currency.
func (p *Processor) Void(ctx context.Context, req booking.VoidRequest) (booking.Transaction, error) {
	const op = "void"
	if req.IdempotencyKey == "" || req.AuthorizationID == "" {
		return booking.Transaction{}, fmt.Errorf("stripe: %s: idempotency key and authorization id are required: %w", op, booking.ErrInvalid)
	}
	pi, err := p.client.V1PaymentIntents.Cancel(ctx, req.AuthorizationID, &stripeapi.PaymentIntentCancelParams{
		Params: params(req.IdempotencyKey, ""),
	})
	if err != nil {
		return booking.Transaction{}, classify(op, err)
	}
	return intentTransaction(op, pi, stripeapi.PaymentIntentStatusCanceled, 0)
}

// intentTransaction checks that pi reached status want and reports amount of it as
// moved. A confirmed PaymentIntent that needs the customer (3-D Secure) or lost its
// payment method was declined.
func intentTransaction(op string, pi *stripeapi.PaymentIntent, want stripeapi.PaymentIntentStatus, amount int64) (booking.Transaction, error) {
	switch pi.Status {
	case want:
		m, err := FromStripe(amount, string(pi.Currency))
		if err != nil {
			return booking.Transaction{}, fmt.Errorf("stripe: %s: PaymentIntent %s: %w", op, pi.ID, err)
		}
		return booking.Transaction{ID: pi.ID, Amount: m}, nil
	case stripeapi.PaymentIntentStatusRequiresAction:
		return booking.Transaction{}, fmt.Errorf("stripe: %s: PaymentIntent %s: %w", op, pi.ID, &booking.DeclineError{Code: "authentication_required"})
	case stripeapi.PaymentIntentStatusRequiresPaymentMethod:
		de := &booking.DeclineError{Code: "card_declined"}
		if pi.LastPaymentError != nil {
			de = decline(pi.LastPaymentError)
		}
		return booking.Transaction{}, fmt.Errorf("stripe: %s: PaymentIntent %s: %w", op, pi.ID, de)
	}
	return booking.Transaction{}, fmt.Errorf("stripe: %s: PaymentIntent %s has status %q, want %q", op, pi.ID, pi.Status, want)
}

// checkAmount validates a money-moving request before anything is sent.
func checkAmount(op, key string, m booking.Money) (int64, string, error) {
	if key == "" {
		return 0, "", fmt.Errorf("stripe: %s: empty idempotency key: %w", op, booking.ErrInvalid)
	}
	amount, currency, err := toStripe(m)
	if err != nil {
		return 0, "", fmt.Errorf("stripe: %s: %w", op, err)
	}
	return amount, currency, nil
}
