package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/bookingserver/bookingserver/bench/synth"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// BenchmarkLoadAvailabilityFeed ingests an availability feed of 1,000,000 explicit
// slots (generated in-process) into a fresh store: parse, validate, apply in one
// transaction, fsync. Besides ns/op and allocations it reports the process's peak RSS
// during the load (VmHWM, reset before each load) and how much it grew over the RSS
// before the load (which holds the feed bytes, as the CLI does after reading the file).
//
// It runs on each store: the Postgres one (a fresh schema per load, slots written
// with COPY) when BOOKINGSERVER_TEST_DATABASE_URL names a database.
func BenchmarkLoadAvailabilityFeed(b *testing.B) {
	const slots = 1_000_000
	merchants, services, availability := synth.NewLayout(synth.Params{Slots: slots}).Bytes()
	for _, impl := range []struct {
		name string
		open func(b *testing.B, i int) store.Backend
	}{
		{"bbolt", func(b *testing.B, i int) store.Backend {
			st, err := store.Open(store.DefaultConfig(filepath.Join(b.TempDir(), "load"+strconv.Itoa(i)+".db")))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"postgres", func(b *testing.B, _ int) store.Backend {
			st, err := store.OpenPostgres(b.Context(), storetest.PostgresURL(b))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	} {
		b.Run(impl.name, func(b *testing.B) { benchmarkLoad(b, impl.open, merchants, services, availability, slots) })
	}
}

func benchmarkLoad(b *testing.B, open func(b *testing.B, i int) store.Backend, merchants, services, availability []byte, slots int) {
	b.SetBytes(int64(len(availability)))
	b.ReportAllocs()
	var peak, grown float64
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		st := open(b, i)
		mustLoad(b, st, bsv1.FeedKind_FEED_KIND_MERCHANT, merchants)
		mustLoad(b, st, bsv1.FeedKind_FEED_KIND_SERVICE, services)
		runtime.GC()
		before := resetPeakRSS(b)
		b.StartTimer()
		sum := mustLoad(b, st, bsv1.FeedKind_FEED_KIND_AVAILABILITY, availability)
		b.StopTimer()
		if sum.Records != slots {
			b.Fatalf("applied %d slots, want %d", sum.Records, slots)
		}
		hwm := procStatusKB(b, "VmHWM")
		peak, grown = max(peak, float64(hwm)/1024), max(grown, float64(hwm-before)/1024)
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(peak, "peak-RSS-MiB")
	b.ReportMetric(grown, "RSS-growth-MiB")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(slots), "ns/slot")
}

func mustLoad(b *testing.B, st store.Backend, kind bsv1.FeedKind, data []byte) store.LoadSummary {
	b.Helper()
	sum, err := st.LoadFeed(b.Context(), kind, data)
	if err != nil {
		b.Fatalf("load %v: %v", kind, err)
	}
	return sum
}

// resetPeakRSS resets the process's VmHWM to its current RSS (Linux: writing 5 to
// /proc/self/clear_refs) and returns that RSS in KiB.
func resetPeakRSS(b *testing.B) int64 {
	b.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset VmHWM (%v): peak RSS includes what ran before", err)
	}
	return procStatusKB(b, "VmRSS")
}

// procStatusKB reads a "Name:  N kB" line of /proc/self/status.
func procStatusKB(b *testing.B, name string) int64 {
	b.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for line := range bytes.Lines(raw) {
		if v, ok := bytes.CutPrefix(line, []byte(name+":")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			if err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			return n
		}
	}
	b.Fatalf("no %s in /proc/self/status", name)
	return 0
}
