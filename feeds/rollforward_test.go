package feeds_test

import (
	"os"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// TestRollForward: the example availability, rolled to a date long after it ends,
// starts within the week after that date, keeps weekdays and durations, validates
// against the example merchants and services, and is stamped generated then.
func TestRollForward(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../examples/feeds/availability.json")
	if err != nil {
		t.Fatal(err)
	}
	orig, err := feeds.ParseAvailabilityFeed(data)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2031, 6, 4, 15, 0, 0, 0, time.UTC)
	out, shift, err := feeds.RollForward(data, now)
	if err != nil {
		t.Fatal(err)
	}
	if shift <= 0 || shift%(7*24*time.Hour) != 0 {
		t.Fatalf("shift %v, want whole weeks", shift)
	}
	rolled, err := feeds.ParseAvailabilityFeed(out)
	if err != nil {
		t.Fatal(err)
	}
	first := func(f *acv3.AvailabilityFeed) (int64, int) {
		lo, n := int64(-1), 0
		for _, sa := range f.GetServiceAvailability() {
			for _, a := range sa.GetAvailability() {
				n++
				if lo < 0 || a.GetStartSec() < lo {
					lo = a.GetStartSec()
				}
			}
		}
		return lo, n
	}
	f0, n0 := first(orig)
	f1, n1 := first(rolled)
	if n0 != n1 || f1-f0 != int64(shift.Seconds()) {
		t.Errorf("rolled %d records first at %d, want %d first at %d+%v", n1, f1, n0, f0, shift)
	}
	if start := time.Unix(f1, 0); start.Before(now) || start.After(now.Add(7*24*time.Hour)) {
		t.Errorf("first slot %v, want within the week after %v", start, now)
	}
	if got := rolled.GetMetadata().GetGenerationTimestamp(); got != now.Unix() {
		t.Errorf("generation_timestamp %d, want %d", got, now.Unix())
	}
	merchants := parseFile(t, "../examples/feeds/merchants.json", feeds.ParseMerchantFeed)
	services := parseFile(t, "../examples/feeds/services.json", feeds.ParseServiceFeed)
	if err := feeds.ValidateAvailabilityFeed(rolled, feeds.NewCatalog(merchants, services)); err != nil {
		t.Errorf("rolled feed invalid: %v", err)
	}
	// A feed still ahead of now is not moved.
	if _, shift, err := feeds.RollForward(data, time.Unix(f0-3600, 0)); err != nil || shift != 0 {
		t.Errorf("roll of a future feed: %v %v, want no shift", shift, err)
	}
}

func parseFile[T any](t *testing.T, path string, parse func([]byte) (T, error)) T {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
