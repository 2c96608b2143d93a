package stripe

import (
	"context"
	"fmt"

	stripeapi "github.com/stripe/stripe-go/v85"

	"github.com/bookingserver/bookingserver/booking"
)

// Refund returns req.Amount of a PaymentIntent (a charge or a captured
// authorization). Stripe refuses refunds beyond what is left of the charge; that
// refusal is a plain error. The transaction id is the Refund's (re_…); a pending
// refund counts as made, since Stripe has committed to it.
func (p *Processor) Refund(ctx context.Context, req booking.RefundRequest) (booking.Transaction, error) {
	const op = "refund"
	amount, _, err := checkAmount(op, req.IdempotencyKey, req.Amount)
	if err != nil {
		return booking.Transaction{}, err
	}
	if req.ChargeID == "" {
		return booking.Transaction{}, fmt.Errorf("stripe: %s: no charge id: %w", op, booking.ErrInvalid)
	}
	re, err := p.client.V1Refunds.Create(ctx, &stripeapi.RefundCreateParams{
		Params:        params(req.IdempotencyKey, ""),
		PaymentIntent: stripeapi.String(req.ChargeID),
		Amount:        stripeapi.Int64(amount),
	})
	if err != nil {
		return booking.Transaction{}, classify(op, err)
	}
	switch re.Status {
	case stripeapi.RefundStatusSucceeded, stripeapi.RefundStatusPending:
	default:
		return booking.Transaction{}, fmt.Errorf("stripe: %s: Refund %s has status %q", op, re.ID, re.Status)
	}
	m, err := FromStripe(re.Amount, string(re.Currency))
	if err != nil {
		return booking.Transaction{}, fmt.Errorf("stripe: %s: Refund %s: %w", op, re.ID, err)
	}
	return booking.Transaction{ID: re.ID, Amount: m}, nil
}
