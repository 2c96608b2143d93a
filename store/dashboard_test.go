package store_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// dashboardStore is what both stores give the dashboard (ui.BookingIndex, ui.Catalog
// and ui.FeedLog).
type dashboardStore interface {
	MerchantBookings(ctx context.Context, merchantID string, fromSec, toSec int64, desc bool, cursor []byte,
		fn func(rec *bsv1.BookingRecord, cursor []byte) bool) error
	MerchantServices(ctx context.Context, merchantID string) ([]*acv3.Service, error)
	MerchantSlots(ctx context.Context, merchantID string, fromSec, toSec int64, fn func(serviceID string, slot booking.Slot) bool) error
	PutFeedLoad(ctx context.Context, merchantID string, rec *bsv1.FeedLoadRecord) error
	FeedLoads(ctx context.Context, merchantID string) ([]*bsv1.FeedLoadRecord, error)
}

func dashboardOf(t *testing.T, s store.Backend) dashboardStore {
	t.Helper()
	d, ok := s.(dashboardStore)
	if !ok {
		t.Fatalf("%T does not serve the dashboard", s)
	}
	return d
}

// TestMerchantBookingsPages: a merchant's bookings come in start order (or backwards),
// only its own and only in the range, and reading them a few at a time from cursors
// gives the same list as reading them at once, on both stores. A reschedule moves a
// booking in the index.
func TestMerchantBookingsPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		d := dashboardOf(t, s)
		put := func(id, merchant string, start int64) {
			t.Helper()
			err := s.Update(t.Context(), func(tx booking.Tx) error {
				return tx.PutBooking(&bsv1.BookingRecord{Booking: &acv3.Booking{BookingId: id, Status: acv3.BookingStatus_CONFIRMED,
					Slot: &acv3.Slot{MerchantId: merchant, ServiceId: "haircut", StartSec: start, DurationSec: dur}}})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		var want []string
		for i := range 150 { // more than the first query of the Postgres store reads
			id := fmt.Sprintf("b%03d", i)
			put(id, "m1", t0+int64(i/2)*dur) // two bookings per start
			want = append(want, id)
		}
		put("other", "m2", t0+dur)
		put("early", "m1", t0-dur)
		put("moved", "m1", t0-2*dur)
		put("moved", "m1", t0+200*dur) // rescheduled out of the range below
		read := func(desc bool, step int) []string {
			var got []string
			var cursor []byte
			for {
				n := 0
				var last []byte
				if err := d.MerchantBookings(t.Context(), "m1", t0, t0+100*dur, desc, cursor, func(rec *bsv1.BookingRecord, c []byte) bool {
					got = append(got, rec.GetBooking().GetBookingId())
					last = bytes.Clone(c)
					n++
					return n < step
				}); err != nil {
					t.Fatal(err)
				}
				if n < step {
					return got
				}
				cursor = last
			}
		}
		for _, step := range []int{1, 7, 70, 1000} {
			if got := read(false, step); !slices.Equal(got, want) {
				t.Errorf("forwards by %d: %v, want %v", step, got, want)
			}
			back := slices.Clone(want)
			slices.Reverse(back)
			if got := read(true, step); !slices.Equal(got, back) {
				t.Errorf("backwards by %d: %v, want %v", step, got, back)
			}
		}
	})
}

// TestMerchantCatalogReads: the dashboard's service list and slots of a day range,
// with live bookings, on both stores.
func TestMerchantCatalogReads(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s)
		d := dashboardOf(t, s)
		svcs, err := d.MerchantServices(t.Context(), "m1")
		if err != nil || len(svcs) != 1 || svcs[0].GetServiceId() != "haircut" {
			t.Fatalf("services of m1: %v %v", svcs, err)
		}
		if svcs, err := d.MerchantServices(t.Context(), "m2"); err != nil || len(svcs) != 0 {
			t.Fatalf("services of m2: %v %v", svcs, err)
		}
		if err := s.Update(t.Context(), func(tx booking.Tx) error {
			return tx.Slots("m1", "haircut", storetest.SlotFiveSpots, 0, func(sl booking.Slot) bool { return tx.AddBooked(sl.Key, 2) == nil })
		}); err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := d.MerchantSlots(t.Context(), "m1", storetest.SlotFiveSpots, storetest.SlotOther+1, func(sid string, sl booking.Slot) bool {
			got = append(got, fmt.Sprintf("%s %d %d/%d", sid, sl.Availability.GetStartSec(), sl.Open(), sl.Availability.GetSpotsTotal()))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{fmt.Sprintf("haircut %d 3/5", storetest.SlotFiveSpots), fmt.Sprintf("haircut %d 2/2", storetest.SlotOther)}
		if !slices.Equal(got, want) {
			t.Errorf("slots: %v, want %v", got, want)
		}
	})
}

// TestFeedLoadHistory keeps the last loads of each merchant, newest first.
func TestFeedLoadHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		d := dashboardOf(t, s)
		for i := range 25 {
			if err := d.PutFeedLoad(t.Context(), "m1", &bsv1.FeedLoadRecord{AtUnixNano: int64(i + 1), Kind: "service", Ok: true}); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.PutFeedLoad(t.Context(), "m2", &bsv1.FeedLoadRecord{AtUnixNano: 100, Kind: "merchant"}); err != nil {
			t.Fatal(err)
		}
		loads, err := d.FeedLoads(t.Context(), "m1")
		if err != nil {
			t.Fatal(err)
		}
		var at []int64
		for _, l := range loads {
			at = append(at, l.GetAtUnixNano())
		}
		if len(at) != 20 || at[0] != 25 || at[19] != 6 {
			t.Errorf("m1's loads: %v, want 25 down to 6", at)
		}
		if loads, err := d.FeedLoads(t.Context(), "m2"); err != nil || len(loads) != 1 {
			t.Errorf("m2's loads: %v %v", loads, err)
		}
	})
}

// TestBookingNotificationHistory: a booking's notifications stay listed once
// delivered (DELIVERED, with the time) beside the pending and dead ones, in the
// order they were queued, on both stores.
func TestBookingNotificationHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		o := s.Outbox()
		enqueue := func(id string, status acv3.BookingStatus) {
			t.Helper()
			if err := s.Update(t.Context(), func(tx booking.Tx) error {
				return tx.Enqueue(&bsv1.Notification{BookingId: id, MerchantId: "m1", Status: status, UpdateMask: []string{"status"}})
			}); err != nil {
				t.Fatal(err)
			}
		}
		enqueue("b1", acv3.BookingStatus_CONFIRMED)
		enqueue("b2", acv3.BookingStatus_CONFIRMED)
		enqueue("b1", acv3.BookingStatus_CANCELED)
		enqueue("b1", acv3.BookingStatus_NO_SHOW)
		due, err := o.Due(t.Context(), time.Now(), 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("due: %v %v", due, err)
		}
		if err := o.Delivered(t.Context(), due[0].GetId()); err != nil { // b1 CONFIRMED
			t.Fatal(err)
		}
		if err := o.Delivered(t.Context(), due[0].GetId()); err != nil { // again, after a crash: no error
			t.Fatal(err)
		}
		due, err = o.Due(t.Context(), time.Now(), 10) // b1 CANCELED (and b2, unless leased already)
		if err != nil || len(due) == 0 {
			t.Fatalf("due: %v %v", due, err)
		}
		for _, r := range due {
			if r.GetNotification().GetStatus() == acv3.BookingStatus_CANCELED {
				if err := o.Dead(t.Context(), r.GetId(), &bsv1.Attempt{AtUnix: 1, Error: "HTTP 400"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		hist, err := o.BookingHistory(t.Context(), "b1")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range hist {
			got = append(got, r.GetNotification().GetStatus().String()+" "+r.GetState().String())
			if r.GetState() == bsv1.OutboxState_OUTBOX_STATE_DELIVERED && r.GetDeliveredUnix() == 0 {
				t.Error("a delivered record without its time")
			}
		}
		want := []string{"CONFIRMED OUTBOX_STATE_DELIVERED", "CANCELED OUTBOX_STATE_DEAD", "NO_SHOW OUTBOX_STATE_PENDING"}
		if !slices.Equal(got, want) {
			t.Errorf("history of b1: %v, want %v", got, want)
		}
		if pending, dead, err := o.Counts(t.Context()); err != nil || pending != 2 || dead != 1 {
			t.Errorf("counts: %d pending, %d dead, %v (delivered ones are not counted)", pending, dead, err)
		}
	})
}

// TestPostgresFillsMerchantIndex: bookings stored before the merchant index existed
// (merchant_id and start_sec NULL) are indexed from their records when the store opens.
func TestPostgresFillsMerchantIndex(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	s := storetest.OpenPostgres(t, url)
	if err := s.Update(t.Context(), func(tx booking.Tx) error {
		return tx.PutBooking(&bsv1.BookingRecord{Booking: &acv3.Booking{BookingId: "old", Status: acv3.BookingStatus_CONFIRMED,
			Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: t0, DurationSec: dur}}})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(t.Context(), `UPDATE bookings SET merchant_id = NULL, start_sec = NULL`); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := storetest.OpenPostgres(t, url).MerchantBookings(t.Context(), "m1", t0, t0+1, false, nil, func(rec *bsv1.BookingRecord, _ []byte) bool {
		got = append(got, rec.GetBooking().GetBookingId())
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"old"}) {
		t.Errorf("after reopening: %v, want [old]", got)
	}
}
