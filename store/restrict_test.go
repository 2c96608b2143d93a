package store_test

import (
	"fmt"
	"testing"

	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestOpenEndedRestricts: Google's availability-feed page reads a
// start_timestamp_restrict without an end as all time from start, an end without a
// start as all time up to end, and restricts without merchant or service ids as
// applying to every merchant or service.
func TestOpenEndedRestricts(t *testing.T) {
	t.Parallel()
	a, b, c := t0+86400, t0+86400+3600, t0+86400+7200
	for _, tc := range []struct {
		name, restrict string
		want           []int64
	}{
		{"start only", fmt.Sprintf(`"merchant_id_restrict":"m1","service_id_restrict":"haircut","start_timestamp_restrict":"%d",`, b), []int64{a}},
		{"end only", fmt.Sprintf(`"merchant_id_restrict":"m1","service_id_restrict":"haircut","end_timestamp_restrict":"%d",`, b), []int64{b, c}},
		{"merchant only", fmt.Sprintf(`"merchant_id_restrict":"m1","start_timestamp_restrict":"%d","end_timestamp_restrict":"%d",`, b, c), []int64{a, c}},
		{"no ids", fmt.Sprintf(`"start_timestamp_restrict":"%d",`, c), []int64{a, b}},
		{"no timestamps", `"merchant_id_restrict":"m1","service_id_restrict":"haircut",`, []int64{a, b, c}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s store.Backend) {
				storetest.LoadFixture(t, s) // merchant m1, service haircut
				mustLoadAvailability(t, s, availabilityFeed(complete(1700000100), "", a, b, c))
				sum := mustLoadAvailability(t, s, availabilityFeed(incremental(1700000200), tc.restrict))
				if got := slotStarts(t, s, a, b, c); fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("slots left %v, want %v", got, tc.want)
				}
				if want := 3 - len(tc.want); sum.Removed != want {
					t.Errorf("summary removed %d, want %d", sum.Removed, want)
				}
			})
		})
	}
}
