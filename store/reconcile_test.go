package store_test

import (
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestReconcileFrom: the check covers the slots starting at or after from, and only
// those — so serve's start-up check reads the slots still bookable, not the history.
// Two counts are wrong: a slot with a count and no booking, and a booked slot whose
// count is missing; from after the first slot fixes the second only, from the zero
// time fixes both.
func TestReconcileFrom(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		early := feeds.NewSlotKey("m1", "haircut", storetest.SlotOneSpot, storetest.SlotDuration, "", "", 0)
		late := feeds.NewSlotKey("m1", "haircut", storetest.SlotOther, storetest.SlotDuration, "", "", 0)
		err := s.Update(t.Context(), func(tx booking.Tx) error {
			if err := tx.AddBooked(early, 1); err != nil { // no booking holds it
				return err
			}
			return tx.PutBooking(&bsv1.BookingRecord{SlotKey: late, Booking: &acv3.Booking{BookingId: "b1", Status: acv3.BookingStatus_CONFIRMED,
				Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: storetest.SlotOther, DurationSec: storetest.SlotDuration}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if fixed, err := s.Reconcile(time.Unix(storetest.SlotOther, 0)); err != nil || fixed != 1 {
			t.Fatalf("from the late slot: fixed %d (%v), want 1", fixed, err)
		}
		if fixed, err := s.Reconcile(time.Unix(storetest.SlotOther+1, 0)); err != nil || fixed != 0 {
			t.Fatalf("after every slot: fixed %d (%v), want 0", fixed, err)
		}
		if fixed, err := s.Reconcile(time.Time{}); err != nil || fixed != 1 {
			t.Fatalf("every slot: fixed %d (%v), want 1 (the early one)", fixed, err)
		}
		if fixed, err := s.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Fatalf("again: fixed %d (%v), want 0", fixed, err)
		}
	})
}
