package booking

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Update applies Google's UpdateBooking: status CANCELED cancels; a slot (new start,
// duration or party size) reschedules within the same service. Each change is checked
// and written in one transaction: a reschedule frees the old spot and takes the new one
// atomically, a cancel frees the spot at once.
func (s *Service) Update(ctx context.Context, req *acv3.UpdateBookingRequest) (*acv3.UpdateBookingResponse, error) {
	want := req.GetBooking()
	if want.GetBookingId() == "" {
		return nil, fmt.Errorf("booking.booking_id is required: %w", ErrInvalid)
	}
	cancel := want.GetStatus() == acv3.BookingStatus_CANCELED
	switch {
	case !cancel && want.GetStatus() != acv3.BookingStatus_BOOKING_STATUS_UNSPECIFIED && want.GetStatus() != acv3.BookingStatus_CONFIRMED:
		return nil, fmt.Errorf("booking.status %s cannot be set through UpdateBooking: %w", want.GetStatus(), ErrInvalid)
	case !cancel && want.GetSlot() == nil:
		return nil, fmt.Errorf("nothing to change: give status CANCELED or a new slot: %w", ErrInvalid)
	}
	unlock, err := s.bookings.LockContext(ctx, want.GetBookingId())
	if err != nil {
		return nil, err
	}
	defer unlock()
	if cancel {
		return s.userCancel(ctx, want.GetBookingId())
	}
	var resp *acv3.UpdateBookingResponse
	err = s.store.Update(ctx, func(tx Tx) error {
		rec, err := existing(tx, want.GetBookingId())
		if err != nil {
			return err
		}
		resp, err = s.reschedule(tx, rec, want.GetSlot())
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// existing reads a booking Google names; an unknown id is a caller error (HTTP 400).
func existing(tx ReadTx, id string) (*bsv1.BookingRecord, error) {
	rec, err := tx.Booking(id)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("unknown booking_id %q: %w", id, ErrInvalid)
	}
	return rec, err
}

// userCancel cancels a live booking for Google inside its online-cancellation window:
// free of charge, so a prepayment is refunded in full and a deposit when the cancel is
// also inside the deposit's refund window. The refund is made before the booking is
// written; the caller holds the booking's lock.
func (s *Service) userCancel(ctx context.Context, id string) (*acv3.UpdateBookingResponse, error) {
	var (
		rec    *bsv1.BookingRecord
		refund int64
		fail   *acv3.UpdateBookingResponse
	)
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		if rec, err = existing(tx, id); err != nil {
			return err
		}
		b := rec.GetBooking()
		failWith := func(cause acv3.BookingFailure_Cause, why string) {
			fail = &acv3.UpdateBookingResponse{Booking: b, BookingFailure: failure(cause, why)}
		}
		switch {
		case b.GetStatus() == acv3.BookingStatus_CANCELED:
			failWith(acv3.BookingFailure_BOOKING_ALREADY_CANCELLED, "the booking is already cancelled")
			return nil
		case !HoldsSpot(b.GetStatus()) || rec.GetPayment().GetState() == bsv1.PaymentState_PAYMENT_STATE_PENDING:
			failWith(acv3.BookingFailure_BOOKING_NOT_CANCELLABLE, "a booking in status "+b.GetStatus().String()+" cannot be cancelled")
			return nil
		}
		svc, slot, err := s.bookedSlot(tx, rec)
		if err != nil {
			return err
		}
		now := s.now().Unix()
		if now > cancelDeadline(svc, slot.Availability, b.GetSlot().GetStartSec()) {
			failWith(acv3.BookingFailure_OUTSIDE_CANCELLATION_WINDOW, "online cancellation has closed for this booking")
			return nil
		}
		p := rec.GetPayment()
		switch {
		case p.GetPrepaid():
			refund = outstanding(rec)
		case p.GetDepositMicros() > 0 && now <= p.GetDepositRefundableUntilUnix():
			refund = min(p.GetDepositMicros(), outstanding(rec))
		}
		return nil
	})
	if err != nil || fail != nil {
		return fail, err
	}
	// The refund and the cancel finish whatever becomes of Google's call.
	ctx, cancel := detached(ctx)
	defer cancel()
	p := rec.GetPayment()
	_, err = s.refund(ctx, id, "user-cancel", "cancelled by the user inside the refund window", func(rec *bsv1.BookingRecord, already int64) (int64, error) {
		if p.GetPrepaid() {
			return outstanding(rec), nil
		}
		return min(refund-already, outstanding(rec)), nil
	})
	if err != nil {
		return nil, err
	}
	var resp *acv3.UpdateBookingResponse
	err = s.store.Update(ctx, func(tx Tx) error {
		rec, err := tx.Booking(id)
		if err != nil {
			return err
		}
		if err := s.release(tx, rec, acv3.BookingStatus_CANCELED); err != nil {
			return err
		}
		resp = &acv3.UpdateBookingResponse{Booking: rec.GetBooking()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// release ends a live booking in a final status: frees its spot and writes it.
func (s *Service) release(tx Tx, rec *bsv1.BookingRecord, status acv3.BookingStatus) error {
	if HoldsSpot(rec.GetBooking().GetStatus()) && len(rec.GetSlotKey()) > 0 {
		if err := ChangeSpots(tx, rec.GetSlotKey(), -1); err != nil {
			return err
		}
	}
	rec.GetBooking().Status = status
	rec.SlotKey = nil
	rec.UpdatedUnix = s.now().Unix()
	return tx.PutBooking(rec)
}

// bookedSlot returns the booking's service and its slot as the feed has it now; the
// slot's Availability is nil when a feed change removed it (the booking keeps its spot
// count all the same).
func (s *Service) bookedSlot(tx ReadTx, rec *bsv1.BookingRecord) (*acv3.Service, Slot, error) {
	bs := rec.GetBooking().GetSlot()
	svc, err := tx.Service(bs.GetMerchantId(), bs.GetServiceId())
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, Slot{}, err
	}
	var found Slot
	err = tx.Slots(bs.GetMerchantId(), bs.GetServiceId(), bs.GetStartSec(), bs.GetDurationSec(), func(sl Slot) bool {
		if bytes.Equal(sl.Key, rec.GetSlotKey()) {
			found = sl
			return false
		}
		return true
	})
	return svc, found, err
}

// reschedule moves a live booking to another slot of the same service.
func (s *Service) reschedule(tx Tx, rec *bsv1.BookingRecord, to *acv3.Slot) (*acv3.UpdateBookingResponse, error) {
	b := rec.GetBooking()
	cur := b.GetSlot()
	if (to.GetMerchantId() != "" && to.GetMerchantId() != cur.GetMerchantId()) || (to.GetServiceId() != "" && to.GetServiceId() != cur.GetServiceId()) {
		return nil, fmt.Errorf("a booking can only be rescheduled within its service; cancel and book anew: %w", ErrInvalid)
	}
	if !HoldsSpot(b.GetStatus()) {
		return &acv3.UpdateBookingResponse{Booking: b, BookingFailure: failure(acv3.BookingFailure_BOOKING_NOT_CANCELLABLE, "a booking in status "+b.GetStatus().String()+" cannot be changed")}, nil
	}
	q := queryFromSlot(cur)
	if to.GetStartSec() != 0 {
		q.startSec = to.GetStartSec()
	}
	if to.GetDurationSec() != 0 {
		q.durationSec = to.GetDurationSec()
	}
	if to.GetResources() != nil {
		q.staffID, q.roomID, q.partySize = to.GetResources().GetStaffId(), to.GetResources().GetRoomId(), to.GetResources().GetPartySize()
	}
	q.tag = to.GetAvailabilityTag()
	if err := q.validate("booking.slot"); err != nil {
		return nil, err
	}
	svc, err := catalogService(tx, q.merchantID, q.serviceID)
	if err != nil {
		return nil, err
	}
	target, ok, err := findSlot(tx, q)
	if err != nil {
		return nil, err
	}
	unavailable := func(why string) *acv3.UpdateBookingResponse {
		return &acv3.UpdateBookingResponse{Booking: b, BookingFailure: failure(acv3.BookingFailure_SLOT_UNAVAILABLE, why)}
	}
	if !ok {
		return unavailable("no such slot in the availability feed"), nil
	}
	if bytes.Equal(target.Key, rec.GetSlotKey()) {
		return &acv3.UpdateBookingResponse{Booking: b}, nil
	}
	if ok, why := bookable(s.now(), svc, target.Availability); !ok {
		return unavailable(why), nil
	}
	if target.Open() <= 0 {
		return unavailable("no spot left"), nil
	}
	if err := ChangeSpots(tx, rec.GetSlotKey(), -1); err != nil {
		return nil, err
	}
	if err := ChangeSpots(tx, target.Key, 1); err != nil {
		return nil, err
	}
	b.Slot = slotOf(q, target.Availability)
	rec.SlotKey = target.Key
	rec.UpdatedUnix = s.now().Unix()
	if err := tx.PutBooking(rec); err != nil {
		return nil, err
	}
	return &acv3.UpdateBookingResponse{Booking: b}, nil
}
