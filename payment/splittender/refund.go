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

// RecordLegRefund records a refund that the gateway reports on one leg (by the
// leg's ProcessorID), made in its back office or echoing one of ours. id is the
// gateway's refund id. An id already recorded, or attached to one of our parts with
// AttachGatewayRefund, changes nothing (the echo is not counted twice); an amount
// above the leg's remainder is ErrOverRefund.
func (t Tender) RecordLegRefund(id, processorID string, amount booking.Money) (Tender, Refund, error) {
	if err := t.checkRefund(id, amount); err != nil {
		return t, Refund{}, err
	}
	for _, r := range t.Refunds {
		for _, p := range r.Parts {
			if p.GatewayRefundID == id {
				return t, cloneRefund(r), nil
			}
		}
	}
	leg := -1
	for i, l := range t.Legs {
		if l.ProcessorID != "" && l.ProcessorID == processorID {
			leg = i
		}
	}
	if leg < 0 {
		return t, Refund{}, fmt.Errorf("splittender: no leg with processor id %q: %w", processorID, booking.ErrNotFound)
	}
	if r, ok := t.find(id); ok {
		if r.Micros != amount.Micros || len(r.Parts) != 1 || r.Parts[0].Leg != leg {
			return t, Refund{}, fmt.Errorf("%w: %q: %w", ErrRefundIDReused, id, booking.ErrConflict)
		}
		return t, r, nil
	}
	if left := t.Legs[leg].Remaining(); amount.Micros > left {
		return t, Refund{}, fmt.Errorf("%w: leg %d has %d micros left, %s reported: %w", ErrOverRefund, leg, left, amount, booking.ErrInvalid)
	}
	n := t.clone()
	n.Legs[leg].RefundedMicros += amount.Micros
	r := Refund{ID: id, Micros: amount.Micros, Parts: []Part{{Leg: leg, Micros: amount.Micros, GatewayRefundID: id}}}
	n.Refunds = append(n.Refunds, r)
	return n, cloneRefund(r), nil
}

// AttachGatewayRefund notes the gateway's refund id for the part of refund refundID
// on leg, once the gateway has answered, so that its webhook is recognised as an echo
// by RecordLegRefund. Attaching the same id again is a no-op.
func (t Tender) AttachGatewayRefund(refundID string, leg int, gatewayRefundID string) (Tender, error) {
	if gatewayRefundID == "" {
		return t, fmt.Errorf("splittender: empty gateway refund id: %w", booking.ErrInvalid)
	}
	n := t.clone()
	for i, r := range n.Refunds {
		if r.ID != refundID {
			continue
		}
		for j, p := range r.Parts {
			if p.Leg != leg {
				continue
			}
			switch p.GatewayRefundID {
			case gatewayRefundID:
				return t, nil
			case "":
				n.Refunds[i].Parts[j].GatewayRefundID = gatewayRefundID
				return n, nil
			}
			return t, fmt.Errorf("%w: part already has gateway id %q: %w", ErrRefundIDReused, p.GatewayRefundID, booking.ErrConflict)
		}
	}
	return t, fmt.Errorf("splittender: refund %q has no part on leg %d: %w", refundID, leg, booking.ErrNotFound)
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
