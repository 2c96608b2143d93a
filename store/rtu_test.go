package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// windows describes the due RTU windows: merchant/service [start,end) revision, and
// each slot's start:open.
func windows(t *testing.T, o store.RTUQueue) ([]string, []booking.AvailabilityUpdate) {
	t.Helper()
	due, err := o.Due(t.Context(), time.Now(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range due {
		r := u.Record
		s := fmt.Sprintf("%s/%s [%d,%d) r%d", r.GetMerchantId(), r.GetServiceId(), r.GetStartSec(), r.GetEndSec(), r.GetRevision())
		for _, sl := range u.Slots {
			s += fmt.Sprintf(" %d:%d", sl.Availability.GetStartSec(), sl.Open())
		}
		out = append(out, s)
	}
	return out, due
}

// take books one spot of the slot starting at start through ChangeSpots.
func take(t *testing.T, s store.Backend, start, delta int64) {
	t.Helper()
	err := s.Update(t.Context(), func(tx booking.Tx) error {
		var key []byte
		if err := tx.Slots("m1", "haircut", start, storetest.SlotDuration, func(sl booking.Slot) bool { key = sl.Key; return false }); err != nil {
			return err
		}
		return booking.ChangeSpots(tx, key, delta)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRTUWindows: a feed load marks the UTC day of its slots; each change of open
// spots marks its slot's start, coalescing while the record waits; a delivery of a
// state read before a later change keeps the record, a delivery of the latest state
// removes it.
func TestRTUWindows(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		storetest.LoadFixture(t, s)
		o := s.AvailabilityOutbox()
		day := storetest.SlotOneSpot - storetest.SlotOneSpot%86400
		got, due := windows(t, o)
		want := fmt.Sprintf("m1/haircut [%d,%d) r1 %d:1 %d:5 %d:2", day, day+86400, storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther)
		if len(got) != 1 || got[0] != want {
			t.Fatalf("after the feed load: %q, want [%q]", got, want)
		}
		if err := o.Delivered(t.Context(), []*bsv1.AvailabilityRecord{due[0].Record}, time.Now()); err != nil {
			t.Fatal(err)
		}

		take(t, s, storetest.SlotFiveSpots, 1)
		take(t, s, storetest.SlotFiveSpots, 1)
		got, due = windows(t, o)
		want = fmt.Sprintf("m1/haircut [%d,%d) r2 %d:3", storetest.SlotFiveSpots, storetest.SlotFiveSpots+1, storetest.SlotFiveSpots)
		if len(got) != 1 || got[0] != want {
			t.Fatalf("two bookings: %q, want [%q] (coalesced)", got, want)
		}
		take(t, s, storetest.SlotFiveSpots, -1) // after the read: must not be lost
		if err := o.Delivered(t.Context(), []*bsv1.AvailabilityRecord{due[0].Record}, time.Now()); err != nil {
			t.Fatal(err)
		}
		got, due = windows(t, o)
		want = fmt.Sprintf("m1/haircut [%d,%d) r3 %d:4", storetest.SlotFiveSpots, storetest.SlotFiveSpots+1, storetest.SlotFiveSpots)
		if len(got) != 1 || got[0] != want {
			t.Fatalf("a change after the read: %q, want [%q]", got, want)
		}
		if err := o.Delivered(t.Context(), []*bsv1.AvailabilityRecord{due[0].Record}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if got, _ := windows(t, o); len(got) != 0 {
			t.Fatalf("after delivering the latest state: %q", got)
		}
	})
}

// TestRTUFeedRemovals: a complete availability feed that drops a slot marks the day
// it was in, so Google's window loses it too.
func TestRTUFeedRemovals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		storetest.LoadFixture(t, s)
		o := s.AvailabilityOutbox()
		_, due := windows(t, o)
		if err := o.Delivered(t.Context(), []*bsv1.AvailabilityRecord{due[0].Record}, time.Now()); err != nil {
			t.Fatal(err)
		}
		feed := fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
		 "service_availability":[{"availability":[
		   {"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800","spots_total":"1","spots_open":"1"}]}]}`, storetest.SlotOneSpot)
		if _, err := s.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, []byte(feed)); err != nil {
			t.Fatal(err)
		}
		day := storetest.SlotOneSpot - storetest.SlotOneSpot%86400
		got, _ := windows(t, o)
		want := fmt.Sprintf("m1/haircut [%d,%d) r1 %d:1", day, day+86400, storetest.SlotOneSpot)
		if len(got) != 1 || got[0] != want {
			t.Fatalf("%q, want [%q]", got, want)
		}
	})
}

// TestRTUDeadAndRetry: dead windows wait for an operator; retry makes them pending.
func TestRTUDeadAndRetry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		storetest.LoadFixture(t, s)
		o := s.AvailabilityOutbox()
		_, due := windows(t, o)
		a := &bsv1.Attempt{AtUnix: time.Now().Unix(), Error: "HTTP 400", HttpStatus: 400}
		if err := o.Dead(t.Context(), []*bsv1.AvailabilityRecord{due[0].Record}, a); err != nil {
			t.Fatal(err)
		}
		if p, d, err := o.Counts(t.Context()); err != nil || p != 0 || d != 1 {
			t.Fatalf("counts %d pending %d dead %v", p, d, err)
		}
		if n, err := o.RetryAllDead(t.Context()); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		recs, err := o.List(t.Context())
		if err != nil || len(recs) != 1 || recs[0].GetState() != bsv1.OutboxState_OUTBOX_STATE_PENDING || len(recs[0].GetAttempts()) != 1 {
			t.Fatalf("after retry: %v %v", recs, err)
		}
	})
}

// TestRTUPurgePast: windows that ended are purged, pending and dead; windows still to
// come stay.
func TestRTUPurgePast(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		storetest.LoadFixture(t, s)
		o := s.AvailabilityOutbox()
		_, due := windows(t, o)
		a := &bsv1.Attempt{AtUnix: time.Now().Unix(), Error: "HTTP 400", HttpStatus: 400}
		if err := o.Dead(t.Context(), []*bsv1.AvailabilityRecord{due[0].Record}, a); err != nil {
			t.Fatal(err)
		}
		take(t, s, storetest.SlotFiveSpots, 1) // a pending window [start, start+1)
		if n, err := s.PurgePastRTU(time.Now()); err != nil || n != 0 {
			t.Fatalf("purge of windows to come: %d %v", n, err)
		}
		if n, err := s.PurgePastRTU(time.Unix(storetest.SlotFiveSpots+1, 0)); err != nil || n != 1 {
			t.Fatalf("purge up to the booked window's end: %d %v", n, err)
		}
		if p, d, err := o.Counts(t.Context()); err != nil || p != 0 || d != 1 {
			t.Fatalf("after the first purge: %d pending %d dead %v", p, d, err)
		}
		if n, err := s.PurgePastRTU(time.Unix(storetest.SlotFiveSpots+2*86400, 0)); err != nil || n != 1 {
			t.Fatalf("purge of the feed's day window: %d %v", n, err)
		}
	})
}
