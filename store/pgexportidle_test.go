package store_test

import (
	"io"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/feeds"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// slowWriter is a dropbox slower than the database: its first write waits.
type slowWriter struct{ waited bool }

func (w *slowWriter) Write(b []byte) (int, error) {
	if !w.waited {
		w.waited = true
		time.Sleep(500 * time.Millisecond)
	}
	return len(b), nil
}

// TestPostgresExportOutlivesTheIdleTimeout: an export whose writer is slow, so
// that the database has sent every row while they are still being written out
// (its session idle in the export's transaction), completes: the idle in
// transaction timeout that ends a vanished client's transaction does not end it.
func TestPostgresExportOutlivesTheIdleTimeout(t *testing.T) {
	t.Parallel()
	p := storetest.OpenPostgres(t, storetest.PostgresURL(t), store.IdleInTransactionTimeout(100*time.Millisecond))
	storetest.LoadFixture(t, p)
	for _, kind := range []feeds.ExportKind{feeds.ExportMerchant, feeds.ExportService, feeds.ExportAvailability} {
		info, err := p.ExportFeed(t.Context(), kind, feeds.ExportOptions{}, func(int, int) (io.Writer, error) { return &slowWriter{}, nil })
		if err != nil || info.Records == 0 {
			t.Fatalf("%s export, written out in 500 ms: %d records, %v", kind, info.Records, err)
		}
	}
}
