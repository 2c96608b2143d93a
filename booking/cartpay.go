package booking

import (
	"context"
	"fmt"
	"strings"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// CollectCartPayment records that the shop collected a cart payment (status
// "COLLECTED", the exact expected amount, the shop's transaction reference), in one
// transaction: a ledger KIND_CHARGE by processor "cart" and, for a live booking,
// CONFIRMED. A wrong amount changes nothing (ErrInvalid); a repeat with the same
// reference is a no-op; another reference is ErrConflict.
//
// A payment for a booking the sweeper expired re-takes the spot when it is still free
// and bookable (CONFIRMED again); otherwise, as for a booking the shop cancelled, the
// money is recorded and the booking is marked refund_due. Capacity is never exceeded.
func (s *Service) CollectCartPayment(ctx context.Context, bookingID, paymentID, status string, amount Money, reference string) (*bsv1.BookingRecord, error) {
	switch {
	case bookingID == "" || paymentID == "":
		return nil, fmt.Errorf("booking_id and payment_id are required: %w", ErrInvalid)
	case !strings.EqualFold(status, "COLLECTED"):
		return nil, fmt.Errorf("status must be COLLECTED, not %q: %w", status, ErrInvalid)
	case reference == "":
		return nil, fmt.Errorf("reference (the shop's transaction id) is required: %w", ErrInvalid)
	}
	unlock, err := s.bookings.LockContext(ctx, bookingID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var rec *bsv1.BookingRecord
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		if rec, err = cartBooking(tx, ScopeOf(ctx), bookingID, paymentID); err != nil {
			return err
		}
		p, cart := rec.GetPayment(), rec.GetPayment().GetCart()
		if cart.GetCollectedUnix() != 0 {
			if cart.GetReference() == reference {
				return nil
			}
			return fmt.Errorf("payment %s was already collected with reference %q: %w", paymentID, cart.GetReference(), ErrConflict)
		}
		if want := (Money{Micros: p.GetChargeMicros(), Currency: p.GetCurrency()}); amount != want {
			return fmt.Errorf("collected amount %s differs from the expected %s; nothing was changed: %w", amount, want, ErrInvalid)
		}
		return s.recordCollected(tx, rec, reference)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// cartBooking reads a booking in scope and checks that paymentID is its cart payment.
func cartBooking(tx ReadTx, scope Scope, bookingID, paymentID string) (*bsv1.BookingRecord, error) {
	rec, err := scopedBooking(tx, scope, bookingID)
	if err != nil {
		return nil, err
	}
	if cart := rec.GetPayment().GetCart(); cart == nil || cart.GetPaymentId() != paymentID {
		return nil, fmt.Errorf("booking %q has no cart payment %q: %w", bookingID, paymentID, ErrNotFound)
	}
	if g := rec.GetPayment().GetGateway(); g != nil {
		return nil, fmt.Errorf("booking %q is paid through %s: its webhook reports the payment: %w", bookingID, g.GetGateway(), ErrConflict)
	}
	return rec, nil
}

// recordCollected writes the collected payment and decides the booking's fate.
func (s *Service) recordCollected(tx Tx, rec *bsv1.BookingRecord, reference string) error {
	b, p := rec.GetBooking(), rec.GetPayment()
	if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_CHARGE, BookingId: b.GetBookingId(), AmountMicros: p.GetChargeMicros(),
		Currency: p.GetCurrency(), Processor: CartProcessor, ProcessorId: reference, AtUnix: s.now().Unix(), Reason: "collected in the shop's cart"}); err != nil {
		return err
	}
	return s.settleHold(tx, rec, reference)
}

// settleHold marks a held payment (cart or hosted gateway) collected once its ledger
// charges are written, and decides the booking's fate: CONFIRMED while it holds its
// spot; after the sweeper expired it, CONFIRMED again if the spot can be re-taken;
// otherwise refund_due.
func (s *Service) settleHold(tx Tx, rec *bsv1.BookingRecord, reference string) error {
	b, p, cart := rec.GetBooking(), rec.GetPayment(), rec.GetPayment().GetCart()
	now := s.now().Unix()
	p.State = bsv1.PaymentState_PAYMENT_STATE_SETTLED
	p.ChargeId, p.CapturedMicros = reference, p.GetChargeMicros()
	cart.Reference, cart.CollectedUnix = reference, now
	b.GetPaymentInformation().PrepaymentStatus = acv3.PrepaymentStatus_PREPAYMENT_PROVIDED
	b.GetPaymentInformation().PaymentTransactionId = reference
	rec.UpdatedUnix = now
	switch {
	case HoldsSpot(b.GetStatus()):
		b.Status = acv3.BookingStatus_CONFIRMED
	case cart.GetExpired():
		ok, err := s.reacquire(tx, rec)
		if err != nil {
			return err
		}
		cart.RefundDue = !ok
	default:
		cart.RefundDue = true
	}
	return tx.PutBooking(rec)
}

// reacquire takes a spot of rec's slot again, in tx, when one is free and the slot is
// still bookable: rec becomes CONFIRMED. It reports whether it did.
func (s *Service) reacquire(tx Tx, rec *bsv1.BookingRecord) (bool, error) {
	b := rec.GetBooking()
	q := queryFromSlot(b.GetSlot())
	svc, err := tx.Service(q.merchantID, q.serviceID)
	if err != nil {
		return false, nil // the service left the feed: nothing to re-take
	}
	slot, ok, err := findSlot(tx, q)
	if err != nil || !ok || slot.Open() <= 0 {
		return false, err
	}
	if bookableNow, _ := bookable(s.now(), svc, slot.Availability); !bookableNow {
		return false, nil
	}
	if err := ChangeSpots(tx, slot.Key, 1); err != nil {
		return false, err
	}
	rec.SlotKey = slot.Key
	b.Status = acv3.BookingStatus_CONFIRMED
	return true, nil
}

// CancelMerchantBooking cancels a merchant-channel booking (status "CANCELLED", the
// shop's spelling, or "CANCELED"): the item left the cart or the cart was abandoned.
// The spot is freed; a booking already paid in the cart is marked refund_due (the shop
// refunds in its own system). Cancelling a cancelled booking is a no-op. Actions
// Center bookings are cancelled with CancelBooking (MerchantCancel) instead.
func (s *Service) CancelMerchantBooking(ctx context.Context, bookingID, status string) (*bsv1.BookingRecord, error) {
	if bookingID == "" {
		return nil, fmt.Errorf("booking_id is required: %w", ErrInvalid)
	}
	if st := strings.ToUpper(status); st != "CANCELLED" && st != "CANCELED" {
		return nil, fmt.Errorf("status must be CANCELLED, not %q: %w", status, ErrInvalid)
	}
	unlock, err := s.bookings.LockContext(ctx, bookingID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var rec *bsv1.BookingRecord
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		if rec, err = scopedBooking(tx, ScopeOf(ctx), bookingID); err != nil {
			return err
		}
		b := rec.GetBooking()
		switch {
		case rec.GetChannel() != bsv1.Channel_CHANNEL_MERCHANT:
			return fmt.Errorf("booking %s came through the Actions Center: cancel it with POST /v1/bookings/{id}:cancel: %w", bookingID, ErrConflict)
		case b.GetStatus() == acv3.BookingStatus_CANCELED:
			return nil
		case !HoldsSpot(b.GetStatus()):
			return fmt.Errorf("booking %s is %s and cannot be cancelled: %w", bookingID, b.GetStatus(), ErrConflict)
		}
		if cart := rec.GetPayment().GetCart(); cart.GetCollectedUnix() != 0 {
			cart.RefundDue = true
		}
		return s.release(tx, rec, acv3.BookingStatus_CANCELED)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// ListByState lists the bookings in the caller's scope that are in a state; "refund_due" (cart money collected for a
// booking that does not take place) is the only state so far.
func (s *Service) ListByState(ctx context.Context, state string) ([]*bsv1.BookingRecord, error) {
	if !strings.EqualFold(state, "refund_due") {
		return nil, fmt.Errorf("state must be refund_due, not %q: %w", state, ErrInvalid)
	}
	var out []*bsv1.BookingRecord
	err := s.store.View(ctx, func(tx ReadTx) error {
		scope := ScopeOf(ctx)
		return tx.RefundDue(func(r *bsv1.BookingRecord) bool {
			if scope.Allows(r.GetBooking().GetSlot().GetMerchantId()) {
				out = append(out, r)
			}
			return true
		})
	})
	return out, err
}
