package notifier_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
)

// TestDeliveryLatency measures enqueue-commit → 2xx with a healthy endpoint over
// loopback, on each store (run with -v to see the numbers): one at a time (the
// notifier idle, woken by the commit), then a burst from 50 concurrent writers.
func TestDeliveryLatency(t *testing.T) {
	t.Parallel()
	const n = 200
	t.Run("one at a time", func(t *testing.T) {
		eachStore(t, func(t *testing.T, b *bundle) {
			for i := range n {
				b.change(t, bookingRecord(fmt.Sprint("seq-", i)), noShowPenalized, booking.MaskStatus)
				b.api.Next(t)
				waitFor(t, "delivery", func() bool { return b.n.Stats().Delivered == uint64(i+1) })
			}
			s := b.n.Stats()
			t.Logf("%d deliveries, p50 %v, p99 %v, mean %v", s.LatencyCount, s.P50, s.P99, s.LatencySum/n)
		})
	})
	t.Run("burst", func(t *testing.T) {
		eachStore(t, func(t *testing.T, b *bundle) {
			var wg sync.WaitGroup
			for w := range 50 {
				wg.Go(func() {
					for i := range n / 50 {
						b.change(t, bookingRecord(fmt.Sprint("burst-", w, "-", i)), noShowPenalized, booking.MaskStatus)
					}
				})
			}
			wg.Wait()
			waitFor(t, "every delivery", func() bool { return b.n.Stats().Delivered == n })
			s := b.n.Stats()
			t.Logf("%d from 50 writers: p50 %v, p99 %v", n, s.P50, s.P99)
			if s.LatencyCounts[len(s.LatencyCounts)-1] != n {
				t.Fatalf("histogram %v", s.LatencyCounts)
			}
		})
	})
}
