package sandbox

import (
	"context"
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// Charge takes req.Amount now from a test token. The transaction id is ch_sandbox_….
func (p *Processor) Charge(ctx context.Context, req booking.ChargeRequest) (booking.Transaction, error) {
	if err := checkRequest(ctx, req.IdempotencyKey, &req.Amount); err != nil {
		return booking.Transaction{}, err
	}
	return do(ctx, p, req.IdempotencyKey, "charge", req, func() (booking.Transaction, error) {
		if _, err := p.checkToken(req.Token, true); err != nil {
			return booking.Transaction{}, err
		}
		return p.addPayment(objectID("ch", req.IdempotencyKey), req.BookingID, req.Amount, true), nil
	})
}

// Authorize holds req.Amount on a test token for a later Capture or Void. The
// transaction id is pi_sandbox_….
func (p *Processor) Authorize(ctx context.Context, req booking.ChargeRequest) (booking.Transaction, error) {
	if err := checkRequest(ctx, req.IdempotencyKey, &req.Amount); err != nil {
		return booking.Transaction{}, err
	}
	return do(ctx, p, req.IdempotencyKey, "authorize", req, func() (booking.Transaction, error) {
		if _, err := p.checkToken(req.Token, true); err != nil {
			return booking.Transaction{}, err
		}
		return p.addPayment(objectID("pi", req.IdempotencyKey), req.BookingID, req.Amount, false), nil
	})
}

// ChargeSaved takes req.Amount from a card saved by SaveCard. The transaction id is
// ch_sandbox_…. An unknown card, or a payment method that belongs to another customer,
// is ErrNoSuchObject.
func (p *Processor) ChargeSaved(ctx context.Context, req booking.ChargeSavedRequest) (booking.Transaction, error) {
	if err := checkRequest(ctx, req.IdempotencyKey, &req.Amount); err != nil {
		return booking.Transaction{}, err
	}
	return do(ctx, p, req.IdempotencyKey, "charge_saved", req, func() (booking.Transaction, error) {
		c, ok := p.cards[req.Card.PaymentMethodID]
		if !ok || c.customerID != req.Card.CustomerID {
			return booking.Transaction{}, fmt.Errorf("saved card %s of customer %s: %w", req.Card.PaymentMethodID, req.Card.CustomerID, ErrNoSuchObject)
		}
		if _, err := p.checkToken(c.token, true); err != nil {
			return booking.Transaction{}, err
		}
		return p.addPayment(objectID("ch", req.IdempotencyKey), req.BookingID, req.Amount, true), nil
	})
}

// addPayment records a new charge (captured) or authorization; the caller holds p.mu.
func (p *Processor) addPayment(id, bookingID string, amount booking.Money, captured bool) booking.Transaction {
	ps := &paymentState{id: id, bookingID: bookingID, currency: amount.Currency, authorized: amount.Micros}
	if captured {
		ps.captured = amount.Micros
	}
	p.payments[id] = ps
	p.order = append(p.order, id)
	return booking.Transaction{ID: id, Amount: amount}
}
