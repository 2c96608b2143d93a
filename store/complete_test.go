package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestCompleteFeedsRemoveWhatTheyOmit: Google's feed metadata says of
// PROCESS_AS_COMPLETE "anything previously supplied by this partner will be
// deleted": a complete feed removes the merchants, services and slots it omits,
// also those of merchants it does not name; booked slots are counted, and their
// bookings' spot counts are kept.
func TestCompleteFeedsRemoveWhatTheyOmit(t *testing.T) {
	t.Parallel()
	const m2Slot int64 = 1893578400
	load := func(t *testing.T, s store.Backend, kind bsv1.FeedKind, feed string) store.LoadSummary {
		t.Helper()
		sum, err := s.LoadFeed(context.Background(), kind, []byte(feed))
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		return sum
	}
	// addM2 adds merchant m2 with service color and one booked slot.
	addM2 := func(t *testing.T, s store.Backend, gen string) {
		load(t, s, bsv1.FeedKind_FEED_KIND_MERCHANT, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"`+gen+`"},"merchant":[{"merchant_id":"m2","name":"Two"}]}`)
		load(t, s, bsv1.FeedKind_FEED_KIND_SERVICE, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"`+gen+`"},"service":[{"merchant_id":"m2","service_id":"color","name":"Color","price":{"price_micros":"1000000","currency_code":"USD"}}]}`)
		load(t, s, bsv1.FeedKind_FEED_KIND_AVAILABILITY, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"`+gen+`"},"service_availability":[{"availability":[{"merchant_id":"m2","service_id":"color","start_sec":"1893578400","duration_sec":"1800","spots_total":"1","spots_open":"1"}]}]}`)
		err := s.Update(context.Background(), func(tx booking.Tx) error {
			return tx.Slots("m2", "color", m2Slot, 0, func(sl booking.Slot) bool {
				err := tx.AddBooked(sl.Key, 1)
				if err != nil {
					t.Error(err)
				}
				return false
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	gone := func(t *testing.T, s store.Backend, merchantGone bool) {
		t.Helper()
		err := s.View(context.Background(), func(tx booking.ReadTx) error {
			if _, err := tx.Merchant("m2"); errors.Is(err, booking.ErrNotFound) != merchantGone {
				t.Errorf("merchant m2: %v, want gone=%v", err, merchantGone)
			}
			if _, err := tx.Service("m2", "color"); !errors.Is(err, booking.ErrNotFound) {
				t.Errorf("service m2/color: %v, want not found", err)
			}
			return tx.Slots("m2", "color", m2Slot, 0, func(booking.Slot) bool { t.Error("slot of m2/color still there"); return false })
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := slotStarts(t, s, storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther); len(got) != 3 {
			t.Errorf("m1's slots touched: %v", got)
		}
	}
	const m1Merchants = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000100"},"merchant":[{"merchant_id":"m1","name":"Salon One"}]}`
	const m1Services = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000100"},"service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut","price":{"price_micros":"15000000","currency_code":"USD"},"rules":{"min_advance_online_canceling":"3600","min_advance_booking":"600"}}]}`

	for _, tc := range []struct {
		name         string
		kind         bsv1.FeedKind
		feed         string
		removed      int // merchants, services and slots
		merchantGone bool
	}{
		{"merchant feed", bsv1.FeedKind_FEED_KIND_MERCHANT, m1Merchants, 3, true},
		{"service feed", bsv1.FeedKind_FEED_KIND_SERVICE, m1Services, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s store.Backend) {
				storetest.LoadFixture(t, s)
				addM2(t, s, "1700000050")
				if sum := load(t, s, tc.kind, tc.feed); sum.Removed != tc.removed || sum.BookedSlotsRemoved != 1 {
					t.Errorf("summary %+v, want %d removed, 1 booked slot", sum, tc.removed)
				}
				gone(t, s, tc.merchantGone)
			})
		})
	}
	t.Run("availability feed", func(t *testing.T) {
		storetest.Each(t, func(t *testing.T, s store.Backend) {
			storetest.LoadFixture(t, s)
			addM2(t, s, "1700000050")
			sum := load(t, s, bsv1.FeedKind_FEED_KIND_AVAILABILITY, string(availabilityFeed(complete(1700000100), "", storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther)))
			if sum.Removed != 1 || sum.BookedSlotsRemoved != 1 {
				t.Errorf("summary %+v, want 1 removed slot, booked", sum)
			}
			err := s.View(context.Background(), func(tx booking.ReadTx) error {
				return tx.Slots("m2", "color", m2Slot, 0, func(booking.Slot) bool { t.Error("slot of m2/color still there"); return false })
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestRemovedSlotWhoseBookingsEndedIsNotBooked: a slot booked and then cancelled
// holds no live booking, whatever its count's storage keeps (PostgreSQL keeps a
// row at zero), and a feed removing it says so.
func TestRemovedSlotWhoseBookingsEndedIsNotBooked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s)
		for _, delta := range []int64{1, -1} {
			err := s.Update(context.Background(), func(tx booking.Tx) error {
				var key []byte
				if err := tx.Slots("m1", "haircut", storetest.SlotOther, 0, func(sl booking.Slot) bool { key = sl.Key; return false }); err != nil {
					return err
				}
				return tx.AddBooked(key, delta)
			})
			if err != nil {
				t.Fatalf("AddBooked(%d): %v", delta, err)
			}
		}
		sum, err := s.LoadFeed(context.Background(), bsv1.FeedKind_FEED_KIND_AVAILABILITY,
			availabilityFeed(complete(1700000100), "", storetest.SlotOneSpot, storetest.SlotFiveSpots))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Removed != 1 || sum.BookedSlotsRemoved != 0 {
			t.Errorf("summary %+v, want 1 removed slot, not booked", sum)
		}
	})
}
