package sandbox

import (
	"context"
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// Refund returns req.Amount of a charge or captured authorization. The refunds of one
// charge never add up to more than was captured: a refund that would is
// ErrExceedsAmount and moves nothing. The transaction id is re_sandbox_….
func (p *Processor) Refund(ctx context.Context, req booking.RefundRequest) (booking.Transaction, error) {
	if err := checkRequest(ctx, req.IdempotencyKey, &req.Amount); err != nil {
		return booking.Transaction{}, err
	}
	return do(ctx, p, req.IdempotencyKey, "refund", req, func() (booking.Transaction, error) {
		ps, ok := p.payments[req.ChargeID]
		switch {
		case !ok:
			return booking.Transaction{}, fmt.Errorf("charge %s: %w", req.ChargeID, ErrNoSuchObject)
		case ps.captured == 0:
			return booking.Transaction{}, fmt.Errorf("%s has nothing captured to refund: %w", ps.id, ErrInvalidState)
		case req.Amount.Currency != ps.currency:
			return booking.Transaction{}, fmt.Errorf("sandbox: refund in %s of a charge in %s: %w", req.Amount.Currency, ps.currency, booking.ErrInvalid)
		case req.Amount.Micros > ps.captured-ps.refunded:
			return booking.Transaction{}, fmt.Errorf("refund %s of %s with %s left: %w",
				req.Amount, ps.id, booking.Money{Micros: ps.captured - ps.refunded, Currency: ps.currency}, ErrExceedsAmount)
		}
		ps.refunded += req.Amount.Micros
		return booking.Transaction{ID: objectID("re", req.IdempotencyKey), Amount: req.Amount}, nil
	})
}
