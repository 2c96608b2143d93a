package store

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Settling a transaction of unknown outcome (outcomeUnknown: its connection was lost
// at COMMIT, or CockroachDB could not tell). If it committed, its count changes were
// neither applied to this replica's cache nor broadcast to the others, and it may
// commit after its error was returned (the server runs a COMMIT it received while
// the client gives up). So its services are dropped from this replica's cache at
// once (its next lookups read the database), and settle waits for it to end — the
// rows it inserted or changed are locked until then — and reads what it left: those
// counts, with their versions, go to this replica's cache and, broadcast, to the
// others'. A count read by a fill before the commit is then replaced (its version is
// older), and a fill under way is not kept (pgcache.go).

// A settle's attempt waits at most settleWait (a connection lost without the
// server noticing leaves its transaction holding its locks until the server ends
// the session, about a minute later (pgsession.go): a settle must not hold a
// connection of the pool as long), then again up to
// settleRetry later, until cacheTTL has passed: the caches refill every service
// within cacheTTL anyway.
const (
	settleWait  = 10 * time.Second
	settleRetry = 5 * time.Second
)

// settle settles, in the background, a transaction of unknown outcome that changed
// the counts of keys. A settle that does not read them (the replica closing, or
// giving up) notes them lost to the broadcaster: the replica's close then records
// no clean close, and the others read its last counts (pgdeadreplicas.go).
func (p *Postgres) settle(keys [][]byte) {
	p.cache.drop(keys)
	keys = slices.Clone(keys)
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)
	ctx := p.background
	p.settleMu.Lock()
	defer p.settleMu.Unlock()
	if ctx.Err() != nil {
		p.broadcast.lost() // closed
		return
	}
	p.settling.Go(func() {
		settled := false
		defer func() {
			if !settled {
				p.broadcast.lost()
			}
		}()
		start := time.Now()
		for attempt := 0; ; attempt++ {
			actx, cancel := context.WithTimeout(ctx, settleWait)
			changes, err := p.settledCounts(actx, keys)
			cancel()
			if err == nil {
				if err := p.cache.apply(changes); err != nil {
					slog.Error("availability cache: dropped after a change it cannot read", "err", err)
					p.cache.reset()
				}
				p.broadcast.add(changes, false)
				settled = true
				return
			}
			if ctx.Err() != nil {
				return
			}
			if time.Since(start) > cacheTTL {
				slog.Error("availability cache: gave up reading the counts a transaction of unknown outcome left", "err", err, "attempts", attempt+1)
				return
			}
			slog.Warn("availability cache: cannot read the counts a transaction of unknown outcome left; again shortly", "err", err, "attempt", attempt+1)
			select {
			case <-ctx.Done():
				return
			case <-time.After(min(100*time.Millisecond<<min(attempt, 6), settleRetry)):
			}
		}
	})
}

// settledCounts waits for the transactions that changed the counts of keys (in key
// order) and have not ended, then reads those counts. A transaction holds what it
// locked and changed until it ends, but its last writes may still be on their way
// to the server (a reservation sends them with its COMMIT): a reservation locked
// the slots it reads in a round trip answered before (slotsLock), and a shared
// lock of the same (FOR SHARE of the rows in serializable-only mode) waits for it;
// an Update's count changes were answered before its COMMIT, and an
// insert of each key, rolled back, waits for a transaction that inserted it, FOR
// SHARE for one that changed it. The counts of the keys without a row are not
// changes.
func (p *Postgres) settledCounts(ctx context.Context, keys [][]byte) ([]slotChange, error) {
	opts := pgx.TxOptions{IsoLevel: pgx.ReadCommitted}
	if p.serializableOnly {
		opts.IsoLevel = pgx.Serializable // its serialization failures are retried
	}
	var changes []slotChange
	err := p.retry(ctx, func() error {
		changes = nil
		tx, err := p.pool.BeginTx(ctx, opts)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // the placeholders go with it
		if err := p.waitForReservations(ctx, tx, keys); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `INSERT INTO slot_booked (slot_key, booked) SELECT k, 0 FROM unnest($1::bytea[]) k ORDER BY k
			ON CONFLICT (slot_key) DO NOTHING RETURNING slot_key`, keys)
		placeholders, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT slot_key, booked, version FROM slot_booked WHERE slot_key = ANY($1) ORDER BY slot_key FOR SHARE`, keys)
		var c slotChange
		_, err = pgx.ForEachRow(rows, []any{&c.key, &c.booked, &c.version}, func() error {
			if !slices.ContainsFunc(placeholders, func(k []byte) bool { return bytes.Equal(k, c.key) }) {
				changes = append(changes, slotChange{key: slices.Clone(c.key), booked: c.booked, version: c.version})
			}
			return nil
		})
		return err
	})
	return changes, err
}

// waitForReservations waits, in tx, for the reservations that hold the locks of
// the slots of keys (slotsLock) and have not ended.
func (p *Postgres) waitForReservations(ctx context.Context, tx pgx.Tx, keys [][]byte) error {
	if p.serializableOnly {
		_, err := tx.Exec(ctx, `SELECT 1 FROM slots WHERE slot_key = ANY($1) ORDER BY slot_key FOR SHARE`, keys)
		return err
	}
	locks := make([]int32, 0, len(keys))
	for _, k := range keys {
		key, err := slotsLockKey(k)
		if err != nil {
			return err
		}
		locks = append(locks, key)
	}
	// Volatile functions run after the sort: the locks are taken in key order.
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, k) FROM unnest($2::integer[]) k ORDER BY k`, slotsLockClass, locks)
	return err
}
