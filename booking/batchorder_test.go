package booking_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// twoServices is a service feed for the fixture merchant with two services whose
// min_advance_booking differ, and a generation after the fixture's; gen and the
// rules of "haircut" vary per test.
func twoServices(gen int64, haircutMinAdvance int64) string {
	return fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"%d"},
 "service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut","rules":{"min_advance_booking":"%d"}},
  {"merchant_id":"m1","service_id":"color","name":"Color","rules":{"min_advance_booking":"7200"}}]}`, gen, haircutMinAdvance)
}

// colorSlots gives "color" slots at the fixture's starts and half an hour later.
var colorSlots = `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000200"},
 "service_availability":[{"availability":[` + strings.Join([]string{
	colorSlot(storetest.SlotOneSpot, 1800, 2, ""), colorSlot(storetest.SlotOneSpot, 3600, 1, "s1"),
	colorSlot(storetest.SlotOneSpot+1800, 1800, 0, ""), colorSlot(storetest.SlotFiveSpots, 1800, 3, "s2"),
	colorSlot(storetest.SlotFiveSpots+1800, 1800, 1, ""), colorSlot(storetest.SlotOther, 1800, 4, ""),
}, ",") + `]}]}`

func colorSlot(start, duration, open int64, staff string) string {
	return fmt.Sprintf(`{"merchant_id":"m1","service_id":"color","start_sec":"%d","duration_sec":"%d","spots_total":"5","spots_open":"%d","resources":{"staff_id":%q}}`,
		start, duration, open, staff)
}

// loadFeed loads one feed or fails the test.
func loadFeed(t *testing.T, f *fixture, kind bsv1.FeedKind, data string) {
	t.Helper()
	if _, err := f.store.LoadFeed(t.Context(), kind, []byte(data)); err != nil {
		t.Fatalf("load %v: %v", kind, err)
	}
}

// available answers one slot time alone.
func available(t *testing.T, core *booking.Service, st *acv3.SlotTime) bool {
	t.Helper()
	resp, err := core.BatchAvailability(t.Context(), &acv3.BatchAvailabilityLookupRequest{MerchantId: "m1", SlotTime: []*acv3.SlotTime{st}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetSlotTimeAvailability()[0].GetAvailable()
}

// TestBatchAvailabilityAnyOrder: the core answers a batch's slot times in key order,
// not request order; each answer must still be the one its slot time gets alone, and
// in its place, whatever the order, with services mixed and slot times repeated.
func TestBatchAvailabilityAnyOrder(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		loadFeed(t, f, bsv1.FeedKind_FEED_KIND_SERVICE, twoServices(1700000100, 600))
		loadFeed(t, f, bsv1.FeedKind_FEED_KIND_AVAILABILITY, colorSlots)
		f.create(t, storetest.SlotOneSpot, "u1", "a") // the haircut slot with one spot is full
		var pool []*acv3.SlotTime
		for _, svc := range []string{"haircut", "color"} {
			for _, start := range []int64{storetest.SlotOneSpot, storetest.SlotOneSpot + 1800, storetest.SlotFiveSpots, storetest.SlotFiveSpots + 1800, storetest.SlotOther, storetest.SlotOther + 1} {
				for _, d := range []int64{0, 1800, 3600} {
					for _, staff := range []string{"", "s1", "s2"} {
						pool = append(pool, &acv3.SlotTime{ServiceId: svc, StartSec: start, DurationSec: d, ResourceIds: &acv3.ResourceIds{StaffId: staff}})
					}
				}
			}
		}
		// Two clocks: one where everything not full is bookable, one where color's two
		// hours of notice close its first start but haircut's ten minutes do not.
		for _, now := range []time.Time{time.Unix(storetest.SlotOneSpot, 0).Add(-24 * time.Hour), time.Unix(storetest.SlotOneSpot-3600, 0)} {
			f.clock.Set(now)
			want := map[*acv3.SlotTime]bool{}
			some := 0
			for _, st := range pool {
				if want[st] = available(t, f.core, st); want[st] {
					some++
				}
			}
			if some == 0 || some == len(pool) {
				t.Fatalf("now %v: %d of %d slot times available: the comparison is vacuous", now, some, len(pool))
			}
			rng := rand.New(rand.NewPCG(uint64(now.Unix()), 9))
			for round := range 30 {
				times := make([]*acv3.SlotTime, 1+rng.IntN(40))
				for i := range times {
					times[i] = pool[rng.IntN(len(pool))]
				}
				resp, err := f.core.BatchAvailability(t.Context(), &acv3.BatchAvailabilityLookupRequest{MerchantId: "m1", SlotTime: times})
				if err != nil {
					t.Fatal(err)
				}
				for i, a := range resp.GetSlotTimeAvailability() {
					if a.GetSlotTime() != times[i] || a.GetAvailable() != want[times[i]] {
						t.Fatalf("now %v round %d [%d]: %v, want available=%v for %v", now, round, i, a, want[times[i]], times[i])
					}
				}
			}
		}
	})
}

// TestBatchAvailabilitySeesServiceFeed: the lookup reads a service's rules in each
// transaction, so a service feed takes effect at once: longer notice closes a slot,
// shorter notice reopens it, and a service a complete feed drops becomes unknown.
func TestBatchAvailabilitySeesServiceFeed(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		f.clock.Set(time.Unix(storetest.SlotFiveSpots-3600, 0)) // an hour before
		st := &acv3.SlotTime{ServiceId: "haircut", StartSec: storetest.SlotFiveSpots, DurationSec: storetest.SlotDuration}
		check := func(step string, want bool) {
			t.Helper()
			if got := available(t, f.core, st); got != want {
				t.Errorf("%s: available %v, want %v", step, got, want)
			}
			slot := &acv3.Slot{MerchantId: "m1", ServiceId: st.GetServiceId(), StartSec: st.GetStartSec(), DurationSec: st.GetDurationSec()}
			resp, err := f.core.CheckAvailability(t.Context(), &acv3.CheckAvailabilityRequest{Slot: slot})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.GetCountAvailable() > 0; got != want {
				t.Errorf("%s: CheckAvailability count %d, want available %v", step, resp.GetCountAvailable(), want)
			}
		}
		check("fixture (10 min notice)", true)
		loadFeed(t, f, bsv1.FeedKind_FEED_KIND_SERVICE, twoServices(1700000100, 7200))
		check("2 h notice", false)
		loadFeed(t, f, bsv1.FeedKind_FEED_KIND_SERVICE, twoServices(1700000200, 60))
		check("1 min notice", true)
		loadFeed(t, f, bsv1.FeedKind_FEED_KIND_SERVICE, `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000300"},
		 "service":[{"merchant_id":"m1","service_id":"color","name":"Color"}]}`)
		_, err := f.core.BatchAvailability(t.Context(), &acv3.BatchAvailabilityLookupRequest{MerchantId: "m1", SlotTime: []*acv3.SlotTime{st}})
		if !errors.Is(err, booking.ErrInvalid) || !strings.Contains(err.Error(), `unknown service_id "haircut"`) {
			t.Errorf("service dropped by a complete feed: %v, want unknown service_id", err)
		}
	})
}

// TestBatchAvailabilityFirstError: the slot times are checked in request order, so
// the error names the first bad one whatever the order they are answered in.
func TestBatchAvailabilityFirstError(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		good := &acv3.SlotTime{ServiceId: "haircut", StartSec: storetest.SlotOneSpot}
		unknown := &acv3.SlotTime{ServiceId: "aaa", StartSec: storetest.SlotOneSpot}
		malformed := &acv3.SlotTime{ServiceId: "haircut", StartSec: -1}
		for _, c := range []struct {
			times []*acv3.SlotTime
			want  string
		}{
			{[]*acv3.SlotTime{good, unknown, malformed}, `unknown service_id "aaa"`},
			{[]*acv3.SlotTime{good, malformed, unknown}, "slot_time[1].start_sec"},
		} {
			_, err := f.core.BatchAvailability(context.Background(), &acv3.BatchAvailabilityLookupRequest{MerchantId: "m1", SlotTime: c.times})
			if !errors.Is(err, booking.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: %v, want %q", c.times, err, c.want)
			}
		}
		_, err := f.core.BatchAvailability(context.Background(), &acv3.BatchAvailabilityLookupRequest{MerchantId: "nobody", SlotTime: []*acv3.SlotTime{malformed}})
		if !errors.Is(err, booking.ErrInvalid) || !strings.Contains(err.Error(), `unknown merchant_id "nobody"`) {
			t.Errorf("unknown merchant: %v", err)
		}
	})
}
