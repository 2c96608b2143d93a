package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/bookingserver/bookingserver/bench/baseline"
	"github.com/bookingserver/bookingserver/bench/synth"
	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
)

// benchEnv is a real server on loopback over a store holding a synthetic feed set.
type benchEnv struct {
	layout synth.Layout
	core   *booking.Service
	client acv3.BookingServiceClient
	ctx    context.Context // carries Google's basic credentials
	seq    atomic.Int64    // unique ids for users and idempotency tokens
}

// newBenchEnv loads slots synthetic slots into a fresh store and serves it. Per-call log
// lines go to io.Discard: formatted, as in production, but not written to a terminal.
func newBenchEnv(b *testing.B, slots int) *benchEnv {
	b.Helper()
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.Cleanup(func() { slog.SetDefault(prev) })

	st, err := store.Open(store.DefaultConfig(filepath.Join(b.TempDir(), "bench.db")))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	l := synth.NewLayout(synth.Params{Slots: slots})
	for _, f := range l.Feeds() {
		if _, err := st.LoadFeed(b.Context(), f.Kind, f.Data); err != nil {
			b.Fatal(err)
		}
	}
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.New(server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: testUser, BasicPassword: testPassword},
	}, server.Deps{Bookings: core, Feeds: st})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Shutdown() })
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return &benchEnv{
		layout: l, core: core, client: acv3.NewBookingServiceClient(conn),
		ctx: metadata.AppendToOutgoingContext(context.Background(), "authorization", basic(testUser, testPassword)),
	}
}

// runClients runs b.N operations on clients goroutines and reports ops/s.
func runClients(b *testing.B, clients int, op func(i int) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				if err := op(int(i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkBatchAvailabilityLookup asks for 20 slot times per request against a store
// holding 1,000,000 slots: in-process through booking.Service.BatchAvailability (the
// server time), and through a real gRPC server on loopback at 1 and 32 clients.
func BenchmarkBatchAvailabilityLookup(b *testing.B) {
	env := newBenchEnv(b, 1_000_000)
	b.Run("core", func(b *testing.B) {
		b.ReportAllocs()
		runClients(b, 1, func(i int) error {
			return synth.CheckLookup(env.core.BatchAvailability(context.Background(), env.layout.BatchRequest(i)))
		})
	})
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("grpc/clients=%d", clients), func(b *testing.B) {
			b.ReportAllocs()
			runClients(b, clients, func(i int) error {
				return synth.CheckLookup(env.client.BatchAvailabilityLookup(env.ctx, env.layout.BatchRequest(i)))
			})
		})
	}
}

// BenchmarkCreateBooking measures CreateBooking over loopback gRPC at 1 and 32
// concurrent clients (every call must book: 100,000 slots of 1,000 spots), next to a
// bbolt baseline in the same run on a separate file: one small put per db.Batch, and
// per db.Update, at the same concurrency. The ratios are logged at the end.
func BenchmarkCreateBooking(b *testing.B) {
	env := newBenchEnv(b, 100_000)
	base, err := baseline.Open(filepath.Join(b.TempDir(), "baseline.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { base.Close() })
	for _, clients := range []int{1, 32} {
		// The baselines first, so that CreateBooking can report its ratios to them.
		var batchOps, updateOps float64
		for _, mode := range []struct {
			name string
			op   func() error
			ops  *float64
		}{{"bbolt-batch", base.Batch, &batchOps}, {"bbolt-update", base.Update, &updateOps}} {
			b.Run(fmt.Sprintf("%s/clients=%d", mode.name, clients), func(b *testing.B) {
				runClients(b, clients, func(int) error { return mode.op() })
				*mode.ops = float64(b.N) / b.Elapsed().Seconds()
			})
		}
		b.Run(fmt.Sprintf("grpc/clients=%d", clients), func(b *testing.B) {
			b.ReportAllocs()
			runClients(b, clients, func(int) error {
				n := int(env.seq.Add(1))
				resp, err := env.client.CreateBooking(env.ctx, env.layout.CreateRequest(n, fmt.Sprintf("bench-%d", n)))
				if err != nil {
					return err
				}
				if resp.GetBooking().GetBookingId() == "" {
					return fmt.Errorf("no booking: %v", resp.GetBookingFailure())
				}
				return nil
			})
			ops := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(ops/batchOps, "x-bbolt-batch")
			b.ReportMetric(ops/updateOps, "x-bbolt-update")
		})
	}
}
