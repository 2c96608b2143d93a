package store

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store/internal/pgtest"
)

// TestFeedLoadSnapshotOutlivesTheIdleTimeout: a feed load's read snapshot stays
// idle while the feed is decoded against it, however long the feed: it lifts the
// sessions' idle in transaction timeout (shortened here to 100 ms) for itself. A
// write transaction of the load keeps the timeout: idle as long, it is ended.
func TestFeedLoadSnapshotOutlivesTheIdleTimeout(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	p, err := OpenPostgres(ctx, pgtest.URL(t), IdleInTransactionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	l := &pgLoad{conn: conn, ctx: ctx, kind: bsv1.FeedKind_FEED_KIND_AVAILABILITY, cache: p.cache, p: p}
	decode := func(tx *pgTxn) error {
		time.Sleep(500 * time.Millisecond) // a long feed decoded against the snapshot
		var one int
		return tx.get(`SELECT 1`, nil, &one)
	}
	if err := l.view(decode); err != nil {
		t.Fatalf("a feed load's snapshot idle for 500 ms: %v", err)
	}
	if err := l.write(pgx.TxOptions{}, decode); err == nil {
		t.Fatal("a feed load's write transaction idle for 500 ms was not ended")
	} else {
		t.Logf("the idle write transaction: %v", err)
	}
}
