package notifier_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
)

// TestDeliveryLatency measures enqueue-commit → 2xx with a healthy endpoint over
// loopback (run with -v to see the numbers): one at a time (the notifier idle, woken
// by the commit), then a burst from 50 concurrent writers.
func TestDeliveryLatency(t *testing.T) {
	t.Parallel()
	const n = 200
	b := setup(t)
	for i := range n {
		b.change(t, bookingRecord(fmt.Sprint("seq-", i)), noShowPenalized, booking.MaskStatus)
		b.api.Next(t)
		waitFor(t, "delivery", func() bool { return b.n.Stats().Delivered == uint64(i+1) })
	}
	s := b.n.Stats()
	t.Logf("one at a time: %d deliveries, p50 %v, p99 %v, mean %v", s.LatencyCount, s.P50, s.P99, s.LatencySum/n)

	b2 := setup(t)
	var wg sync.WaitGroup
	for w := range 50 {
		wg.Go(func() {
			for i := range n / 50 {
				b2.change(t, bookingRecord(fmt.Sprint("burst-", w, "-", i)), noShowPenalized, booking.MaskStatus)
			}
		})
	}
	wg.Wait()
	waitFor(t, "every delivery", func() bool { return b2.n.Stats().Delivered == n })
	s = b2.n.Stats()
	t.Logf("burst of %d from 50 writers: p50 %v, p99 %v", n, s.P50, s.P99)
	if s.LatencyCounts[len(s.LatencyCounts)-1] != n {
		t.Fatalf("histogram %v", s.LatencyCounts)
	}
}
