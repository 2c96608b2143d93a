package stripe

import (
	"context"
	"fmt"
	"slices"

	stripeapi "github.com/stripe/stripe-go/v85"

	"github.com/bookingserver/bookingserver/booking"
)

// Refund returns req.Amount of a PaymentIntent (a charge or a captured
// authorization). Stripe refuses refunds beyond what is left of the charge; that
// refusal is a plain error. The transaction id is the Refund's (re_…); a pending
// refund counts as made, since Stripe has committed to it. The refund carries the
// idempotency key as metadata (refundKeyField), so that LookupRefund finds it after
// Stripe has forgotten the key.
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
		Metadata:      map[string]string{refundKeyField: req.IdempotencyKey},
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

// refundKeyField is the refund metadata field holding our idempotency key.
const refundKeyField = "refund_key"

var _ booking.RefundLookuper = (*Processor)(nil)

// LookupRefund finds the refund we asked for under q.IdempotencyKey among the
// PaymentIntent's refunds (GET /v1/refunds?payment_intent=…), by the key in its
// metadata; a refund without our key (made before it was stored, or in the Dashboard)
// matches on q's amount, created since q.SinceUnix and not recorded yet, as imoje's
// lookup does. Stripe keeps idempotency keys for 24 hours only, after which sending
// the refund again would refund twice: asking is how a refund whose answer was lost is
// resolved then. Failed and canceled refunds returned nothing (RefundRejected).
func (p *Processor) LookupRefund(ctx context.Context, q booking.RefundLookup) (booking.RefundFound, error) {
	const op = "refund lookup"
	if q.ChargeID == "" {
		return booking.RefundFound{}, fmt.Errorf("stripe: %s: no charge id: %w", op, booking.ErrInvalid)
	}
	var byAmount *stripeapi.Refund
	for re, err := range p.client.V1Refunds.List(ctx, &stripeapi.RefundListParams{PaymentIntent: stripeapi.String(q.ChargeID)}).All(ctx) {
		if err != nil {
			return booking.RefundFound{}, classify(op, err)
		}
		key, keyed := re.Metadata[refundKeyField]
		m, err := FromStripe(re.Amount, string(re.Currency))
		switch {
		case keyed && key == q.IdempotencyKey:
			return refundFound(op, re)
		case keyed, err != nil, m != q.Amount, re.Created < q.SinceUnix, slices.Contains(q.Recorded, re.ID):
		default:
			byAmount = re // listed newest first: the last that fits is the oldest
		}
	}
	if byAmount == nil {
		return booking.RefundFound{Outcome: booking.RefundNotFound}, nil
	}
	return refundFound(op, byAmount)
}

// refundFound is LookupRefund's answer for Stripe refund re.
func refundFound(op string, re *stripeapi.Refund) (booking.RefundFound, error) {
	switch re.Status {
	case stripeapi.RefundStatusFailed, stripeapi.RefundStatusCanceled:
		return booking.RefundFound{Outcome: booking.RefundRejected}, nil
	}
	m, err := FromStripe(re.Amount, string(re.Currency))
	if err != nil {
		return booking.RefundFound{}, fmt.Errorf("stripe: %s: Refund %s: %w", op, re.ID, err)
	}
	return booking.RefundFound{Outcome: booking.RefundMade, Transaction: booking.Transaction{ID: re.ID, Amount: m}}, nil
}
