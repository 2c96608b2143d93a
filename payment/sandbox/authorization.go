package sandbox

import (
	"context"
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// Capture takes req.Amount (at most what was authorized) from an authorization; the
// rest is released, as Stripe does. An authorization is captured at most once. The
// transaction id is the authorization's, which Refund then accepts.
func (p *Processor) Capture(ctx context.Context, req booking.CaptureRequest) (booking.Transaction, error) {
	if err := checkRequest(ctx, req.IdempotencyKey, &req.Amount); err != nil {
		return booking.Transaction{}, err
	}
	return do(ctx, p, req.IdempotencyKey, "capture", req, func() (booking.Transaction, error) {
		ps, err := p.openAuthorization(req.AuthorizationID)
		if err != nil {
			return booking.Transaction{}, err
		}
		if req.Amount.Currency != ps.currency {
			return booking.Transaction{}, fmt.Errorf("sandbox: capture in %s of an authorization in %s: %w", req.Amount.Currency, ps.currency, booking.ErrInvalid)
		}
		if req.Amount.Micros > ps.authorized {
			return booking.Transaction{}, fmt.Errorf("capture %s of %s authorized on %s: %w",
				req.Amount, booking.Money{Micros: ps.authorized, Currency: ps.currency}, ps.id, ErrExceedsAmount)
		}
		ps.captured = req.Amount.Micros
		return booking.Transaction{ID: ps.id, Amount: req.Amount}, nil
	})
}

// Void releases an authorization. Nothing moves, so the transaction's amount is zero
// in the authorization's currency.
func (p *Processor) Void(ctx context.Context, req booking.VoidRequest) (booking.Transaction, error) {
	if err := checkRequest(ctx, req.IdempotencyKey, nil); err != nil {
		return booking.Transaction{}, err
	}
	return do(ctx, p, req.IdempotencyKey, "void", req, func() (booking.Transaction, error) {
		ps, err := p.openAuthorization(req.AuthorizationID)
		if err != nil {
			return booking.Transaction{}, err
		}
		ps.voided = true
		return booking.Transaction{ID: ps.id, Amount: booking.Money{Currency: ps.currency}}, nil
	})
}

// openAuthorization returns the authorization id if it is neither captured nor voided;
// the caller holds p.mu.
func (p *Processor) openAuthorization(id string) (*paymentState, error) {
	ps, ok := p.payments[id]
	switch {
	case !ok:
		return nil, fmt.Errorf("authorization %s: %w", id, ErrNoSuchObject)
	case ps.voided:
		return nil, fmt.Errorf("authorization %s was voided: %w", id, ErrInvalidState)
	case ps.captured > 0:
		return nil, fmt.Errorf("%s was already captured: %w", id, ErrInvalidState)
	}
	return ps, nil
}
