package booking_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/bookingserver/bookingserver/bench/synth"
	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// BenchmarkCreateBookingPostgres runs booking.Service.Create on PostgreSQL with the
// reservation READ COMMITTED and locked (as on PostgreSQL) and serializable-only
// (as on CockroachDB), on 1,000 slots (spread) and on 4 (hot: bookings of one slot
// queue, or fail to serialize and run again), at GOMAXPROCS×8 clients: what running
// every reservation SERIALIZABLE costs.
func BenchmarkCreateBookingPostgres(b *testing.B) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Cleanup(func() { slog.SetDefault(prev) })
	for _, slots := range []struct {
		name string
		n    int
	}{{"spread", 1000}, {"hot", 4}} {
		for _, mode := range []struct {
			name string
			opts []store.PostgresOption
		}{{"read-committed", nil}, {"serializable-only", []store.PostgresOption{store.SerializableOnly()}}} {
			b.Run(slots.name+"/"+mode.name, func(b *testing.B) {
				st := storetest.OpenPostgres(b, storetest.PostgresURL(b), mode.opts...)
				l := synth.NewLayout(synth.Params{Slots: slots.n, Spots: 1_000_000})
				for _, f := range l.Feeds() {
					if _, err := st.LoadFeed(b.Context(), f.Kind, f.Data); err != nil {
						b.Fatal(err)
					}
				}
				core, err := booking.New(booking.Config{Store: st})
				if err != nil {
					b.Fatal(err)
				}
				var seq atomic.Int64
				b.SetParallelism(8)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						n := int(seq.Add(1))
						resp, err := core.Create(context.Background(), l.CreateRequest(n, fmt.Sprintf("bench-%d", n)))
						if err != nil || resp.GetBooking().GetBookingId() == "" {
							b.Errorf("create %d: %v %v", n, resp.GetBookingFailure(), err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
			})
		}
	}
}
