package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestSlotSummariesAgreeWithSlots: the availability path's summaries give, for every
// start asked (in order, backwards, and past runs of more slots than one read of
// them), the same slots and counts as Slots, on both stores.
func TestSlotSummariesAgreeWithSlots(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s)
		const n = 150 // more than one run of slots the Postgres store reads ahead
		starts := make([]int64, n)
		for i := range starts {
			starts[i] = t0 + 86400 + int64(i)*dur
		}
		if _, err := s.LoadFeed(context.Background(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, availabilityFeed(incremental(1700000001), "", starts...)); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(context.Background(), func(tx booking.Tx) error {
			return tx.Slots("m1", "haircut", starts[70], 0, func(sl booking.Slot) bool { return tx.AddBooked(sl.Key, 1) == nil })
		}); err != nil {
			t.Fatal(err)
		}
		order := append(append([]int64{}, starts...), t0+86400-1, starts[99], starts[3], starts[70], starts[n-1]+dur)
		err := s.View(context.Background(), func(tx booking.ReadTx) error {
			sr, ok := tx.(booking.SlotSummaryReader)
			if !ok {
				t.Fatal("no summaries on this store's read transactions")
			}
			for _, start := range order {
				var want, got []int64 // start, open
				if err := tx.Slots("m1", "haircut", start, 0, func(sl booking.Slot) bool {
					want = append(want, sl.Availability.GetStartSec(), sl.Open())
					return true
				}); err != nil {
					return err
				}
				if err := sr.SlotSummaries("m1", "haircut", start, 0, func(ss *booking.SlotSummary) bool {
					got = append(got, ss.StartSec, ss.SpotsOpen-ss.Booked)
					return true
				}); err != nil {
					return err
				}
				if !slices.Equal(got, want) {
					t.Errorf("start %d: summaries %v, slots %v", start, got, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
