package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Reserve mode (Postgres.Reserve): the transaction of a new booking runs READ
// COMMITTED, where SERIALIZABLE aborted unrelated bookings whose index reads and
// inserts shared a page. What SERIALIZABLE gave it is kept by locks and by
// constraints (in serializable-only mode it runs SERIALIZABLE, takes no advisory
// lock, and keeps the slot locks, which make bookings of one slot queue rather
// than fail, and the constraints):
//   - the token is locked (an advisory lock on its hash) before its answer is
//     read: a replay racing the first attempt waits for it and reads its answer;
//     the answer is inserted, never overwritten (insertIdempotency). A booking
//     that reads ahead waits on its slots' lock instead (pgreadahead.go);
//   - the slots read are locked first (slotsLock), and every statement after
//     takes a new snapshot: reservations of one slot take turns, and each sees
//     the count and the bookings its predecessors committed;
//   - every spot taken, on any path, records the spots_open its transaction read,
//     and a CHECK refuses a count above it (takeSpots): no transaction, of any
//     isolation, takes a slot past what it read;
//   - the cart holds are counted under an advisory lock.
// A constraint that finds a concurrent change fails the transaction, which runs
// again from the start (retryable), as after a serialization failure.
//
// A reservation's writes wait in a pipeline and go with its next read or its
// COMMIT, in one round trip; BEGIN goes with its first read.

// Constraints whose violation means that a concurrent transaction changed what this
// one read (pgschema/0007_spots_open.sql, 0001_initial.sql).
const (
	spotsOpenConstraint = "slot_booked_within_spots_open"
	idempotencyKey      = "idempotency_pkey"
)

// statement is a statement and its arguments.
type statement struct {
	sql  string
	args []any
}

// slotsLock is the statement that a reservation runs before it reads the slots
// with keys in [from, to), the slots of one service and start (slotScanPrefix):
// it waits for the reservations of those slots that run, and makes the next ones
// wait for it.
//
// Under READ COMMITTED it is an advisory lock on the service and start (hashed):
// where locking the slots' rows (FOR NO KEY UPDATE) wrote a WAL record and dirtied
// a page of the slots table per booking, for the third most costly statement of a
// booking. Locks of unrelated starts that share a hash only take turns. In
// serializable-only mode, without advisory locks, the rows are locked.
func (t *pgTxn) slotsLock(from, to []byte) (statement, error) {
	if !t.advisoryLocks {
		cond, args := keyRange("slot_key", from, to)
		return statement{`SELECT 1 FROM slots WHERE ` + cond + ` FOR NO KEY UPDATE`, args}, nil
	}
	key, err := slotsLockKey(from)
	if err != nil {
		return statement{}, err
	}
	return statement{`SELECT pg_advisory_xact_lock($1, $2)`, []any{slotsLockClass, key}}, nil
}

// slotsLockClass is the first key of the slots' advisory locks: the two-key form
// (class, key), apart from the one-key locks of tokens, migrations and feed
// loads, and from the lease owners' class (pglease.go).
const slotsLockClass int32 = 0x736c6f74 // "slot"

// slotsLockKey is the second key of the advisory lock of the slots of one service
// and start, from a slot key or scan prefix (slotScanPrefix) of theirs.
func slotsLockKey(k []byte) (int32, error) {
	service, _, _, _, err := slotWindowParts(k)
	if err != nil {
		return 0, fmt.Errorf("lock slots: %w", err)
	}
	h := fnv.New64a()
	h.Write(k[:len(service)+8]) //nolint:errcheck // a hash never fails; the key's own feeds.SlotPrefix
	return int32(h.Sum64()), nil
}

// query runs lock (unless its sql is "") and then sql, calling fn after each row
// of sql is scanned into scans. In a Reserve they follow the pipeline's writes, all
// in one round trip. Under READ COMMITTED the query's snapshot is taken once the
// lock is held.
func (t *pgTxn) query(lock statement, sql string, args, scans []any, fn func() error) error {
	each := func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, scans, fn)
		return err
	}
	if t.pipeline == nil && lock.sql == "" {
		rows, err := t.tx.Query(t.ctx, sql, args...)
		if err != nil {
			return t.fail(err)
		}
		return t.fail(each(rows))
	}
	b := t.pipeline
	if b == nil {
		b = &pgx.Batch{}
	} else {
		t.pipeline = &pgx.Batch{}
	}
	if lock.sql != "" {
		b.Queue(lock.sql, lock.args...).Exec(func(pgconn.CommandTag) error { return nil })
	}
	b.Queue(sql, args...).Query(each)
	return t.fail(t.tx.SendBatch(t.ctx, b).Close())
}

// reserveOnce runs fn once in reserve mode on a connection of its own: BEGIN goes
// with the first read and COMMIT with the last writes, so a reservation costs one
// round trip per read and one for all its writes.
func (p *Postgres) reserveOnce(ctx context.Context, fn func(*pgTxn) error) error {
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release() // after ended: Close finds the changes of every commit queued
	t := &pgTxn{ctx: ctx, tx: conn, reserve: true, advisoryLocks: !p.serializableOnly, pipeline: &pgx.Batch{}, cache: p.cache}
	if p.serializableOnly {
		t.pipeline.Queue(`BEGIN ISOLATION LEVEL SERIALIZABLE`)
	} else {
		t.pipeline.Queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
	}
	err = fn(t)
	if err == nil && t.err == nil {
		t.pipeline.Queue(`COMMIT`).Exec(func(tag pgconn.CommandTag) error {
			if tag.String() != "COMMIT" {
				return errors.New("the reservation was rolled back")
			}
			return nil
		})
		if err = t.flush(); err == nil && t.err == nil {
			return p.ended(t, nil)
		}
	}
	if status := conn.Conn().PgConn().TxStatus(); status != 'I' {
		// A statement failed, or fn did: end the transaction (a connection that cannot
		// is closed when released, outside a transaction or not).
		_, _ = conn.Exec(context.WithoutCancel(ctx), `ROLLBACK`)
	}
	return p.ended(t, err)
}

// lockToken locks an idempotency token to the end of the transaction ($1 is the
// token).
const lockToken = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`

// lockedIdempotency reads into r the answer of token once the token is locked
// (under SERIALIZABLE the primary key does it: of two reservations that read no
// answer, the second to insert one runs again), or returns booking.ErrNotFound.
func (t *pgTxn) lockedIdempotency(token string, r *bsv1.IdempotencyRecord) error {
	raw, found, ahead := t.ahead.takeIdempotency(token)
	if !ahead {
		if err := t.query(t.tokenLock(token), idempotencyRead, []any{token}, []any{&raw}, func() error { found = true; return nil }); err != nil {
			return err
		}
	}
	if !found {
		return booking.ErrNotFound
	}
	return unmarshal(raw, r)
}

// tokenLock is the statement that locks a token in a reservation, none in
// serializable-only mode.
func (t *pgTxn) tokenLock(token string) statement {
	if t.advisoryLocks {
		return statement{lockToken, []any{token}}
	}
	return statement{}
}

// rememberSpotsOpen notes the feed's spots_open of a slot read, for takeSpots.
func (t *pgTxn) rememberSpotsOpen(s booking.Slot) {
	if t.spotsOpen == nil {
		t.spotsOpen = map[string]int64{}
	}
	t.spotsOpen[string(s.Key)] = s.Availability.GetSpotsOpen()
}

// takeSpots adds delta > 0 to the slot's count. The caller checked Slot.Open on a
// count that a concurrent booking may have changed since: the spots_open read is
// stored with the count, and the table's CHECK refuses a count above it. A slot not
// read here is counted without a limit, as on bbolt.
// The new count and its version go to the replicas' caches once the transaction
// commits (pgcache.go).
func (t *pgTxn) takeSpots(slotKey []byte, delta int64) error {
	var limit *int64
	if n, ok := t.spotsOpen[string(slotKey)]; ok {
		limit = &n
	}
	return t.writeRow(t.countChanged(slotKey), `INSERT INTO slot_booked (slot_key, booked, spots_open) VALUES ($1, $2, $3)
		ON CONFLICT (slot_key) DO UPDATE SET booked = slot_booked.booked + excluded.booked, spots_open = excluded.spots_open,
			version = nextval('slot_booked_version')
		RETURNING booked, version`, slotKey, delta, limit)
}

// insertIdempotency stores the answer of a new token. The answer is inserted, never
// overwritten: when another transaction stored one since this one read none (a
// write outside reservations, or a reservation of another slot that read ahead),
// the primary key fails this transaction, which runs again and reads that answer.
func (t *pgTxn) insertIdempotency(token string, rec *bsv1.IdempotencyRecord) error {
	return t.putRecord(rec, `INSERT INTO idempotency (token, created_unix, pending, record) VALUES ($1, $2, $3, $4)`,
		token, rec.GetCreatedUnix(), rec.GetPendingBookingId() != "")
}
