package splittender

import (
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// Refund allocates a refund of amount across the legs, card first and then gift cards
// from the last used to the first (see the package comment), never taking more from a
// leg than it has left. It returns the new tender and the allocation; the receiver is
// unchanged. The caller then refunds each Part at the gateway on that leg's
// ProcessorID (with the refund id and leg index as the idempotence key).
//
// Replaying an id with the same amount returns the tender unchanged and the recorded
// allocation; with another amount it is ErrRefundIDReused. An amount above what is
// left is ErrOverRefund, and nothing is allocated.
func (t Tender) Refund(id string, amount booking.Money) (Tender, Refund, error) {
	if err := t.checkRefund(id, amount); err != nil {
		return t, Refund{}, err
	}
	if r, ok := t.find(id); ok {
		if r.Micros != amount.Micros {
			return t, Refund{}, fmt.Errorf("%w: %q was %d micros, now %d: %w", ErrRefundIDReused, id, r.Micros, amount.Micros, booking.ErrConflict)
		}
		return t, r, nil
	}
	if left := t.Total.Micros - t.RefundedMicros(); amount.Micros > left {
		return t, Refund{}, fmt.Errorf("%w: %s asked, %d micros left: %w", ErrOverRefund, amount, left, booking.ErrInvalid)
	}
	n := t.clone()
	r := Refund{ID: id, Micros: amount.Micros}
	rest := amount.Micros
	for i := len(n.Legs) - 1; i >= 0 && rest > 0; i-- {
		take := min(rest, n.Legs[i].Remaining())
		if take == 0 {
			continue
		}
		n.Legs[i].RefundedMicros += take
		rest -= take
		r.Parts = append(r.Parts, Part{Leg: i, Micros: take})
	}
	n.Refunds = append(n.Refunds, r)
	return n, cloneRefund(r), nil
}

func (t Tender) checkRefund(id string, amount booking.Money) error {
	switch {
	case id == "":
		return fmt.Errorf("splittender: refund id is required: %w", booking.ErrInvalid)
	case amount.Currency != t.Total.Currency:
		return fmt.Errorf("splittender: refund in %q, tender in %q: %w", amount.Currency, t.Total.Currency, booking.ErrInvalid)
	case amount.Micros <= 0 || amount.Micros%10_000 != 0:
		return fmt.Errorf("splittender: refund %s must be positive whole cents: %w", amount, booking.ErrInvalid)
	}
	return nil
}

func cloneRefund(r Refund) Refund {
	r.Parts = append([]Part(nil), r.Parts...)
	return r
}
