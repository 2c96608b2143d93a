package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Reserve mode (Postgres.Reserve): the transaction of a new booking runs READ
// COMMITTED, where SERIALIZABLE aborted unrelated bookings whose index reads and
// inserts shared a page. What SERIALIZABLE gave it is kept by locks and by writes
// that cannot overwrite:
//   - the slots read are locked first (FOR NO KEY UPDATE), and every statement
//     after takes a new snapshot: reservations of one slot take turns, and each
//     sees the count and the bookings its predecessors committed;
//   - AddBooked is a conditional upsert (takeSpots) on every path, so no
//     transaction, of any isolation, takes a slot past the spots_open it read;
//   - the token is locked (an advisory lock on its hash) before its answer is
//     read: a replay racing the first attempt waits for it and reads its answer;
//     the answer is inserted, never overwritten (insertIdempotency);
//   - the cart holds are counted under an advisory lock.
// A write that finds the state changed under it fails with errRerun, and the
// transaction runs again from the start, as after a serialization failure.

// errRerun is a transaction's failure that running it again resolves: a concurrent
// one changed what it read.
var errRerun = errors.New("a concurrent transaction changed what this one read")

// lockSlots locks the slots of a slot range (its arguments are slotRange's query's).
const lockSlots = `SELECT 1 FROM slots WHERE slot_key >= $1 AND ($2::bytea IS NULL OR slot_key < $2) FOR NO KEY UPDATE`

// lockedQuery runs lock (unless "") and then query, in one round trip, calling fn
// after each row of query is scanned into scans. Under READ COMMITTED the query's
// snapshot is taken once the lock is held.
func (t *pgTxn) lockedQuery(lock, query string, args, scans []any, fn func() error) error {
	if lock == "" {
		rows, err := t.tx.Query(t.ctx, query, args...)
		if err != nil {
			return t.fail(err)
		}
		_, err = pgx.ForEachRow(rows, scans, fn)
		return t.fail(err)
	}
	b := &pgx.Batch{}
	b.Queue(lock, args...)
	b.Queue(query, args...)
	br := t.tx.SendBatch(t.ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return t.fail(err)
	}
	rows, err := br.Query()
	if err == nil {
		_, err = pgx.ForEachRow(rows, scans, fn)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return t.fail(err)
}

// lockToken locks an idempotency token to the end of the transaction ($1 is the
// token).
const lockToken = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`

// lockedIdempotency reads into r, with read, the answer of token once the token is
// locked, or returns booking.ErrNotFound.
func (t *pgTxn) lockedIdempotency(read, token string, r *bsv1.IdempotencyRecord) error {
	var raw []byte
	found := false
	if err := t.lockedQuery(lockToken, read, []any{token}, []any{&raw}, func() error { found = true; return nil }); err != nil {
		return err
	}
	if !found {
		return booking.ErrNotFound
	}
	return unmarshal(raw, r)
}

// rememberSpotsOpen notes the feed's spots_open of a slot read, for takeSpots.
func (t *pgTxn) rememberSpotsOpen(s booking.Slot) {
	if t.spotsOpen == nil {
		t.spotsOpen = map[string]int64{}
	}
	t.spotsOpen[string(s.Key)] = s.Availability.GetSpotsOpen()
}

// takeSpots adds delta > 0 to the slot's count unless that would pass the
// spots_open this transaction read (the caller checked Slot.Open on a count that a
// concurrent booking may have changed since): then the transaction must run again.
// A slot not read here is counted without a limit, as on bbolt.
func (t *pgTxn) takeSpots(slotKey []byte, delta int64) error {
	var limit *int64
	if n, ok := t.spotsOpen[string(slotKey)]; ok {
		limit = &n
	}
	var n int64
	err := t.get(`INSERT INTO slot_booked (slot_key, booked) SELECT $1, $2::bigint WHERE $3::bigint IS NULL OR $2 <= $3
		ON CONFLICT (slot_key) DO UPDATE SET booked = slot_booked.booked + excluded.booked
		WHERE $3 IS NULL OR slot_booked.booked + excluded.booked <= $3 RETURNING booked`,
		[]any{slotKey, delta, limit}, &n)
	if errors.Is(err, booking.ErrNotFound) {
		return t.fail(fmt.Errorf("slot %x has no %d spots left: %w", slotKey, delta, errRerun))
	}
	return err
}

// insertIdempotency stores the answer of a new token, or fails with errRerun when
// a concurrent request stored it first (the insert waits for that request's
// transaction to end).
func (t *pgTxn) insertIdempotency(token string, rec *bsv1.IdempotencyRecord) error {
	n, err := t.writeRecord(rec, `INSERT INTO idempotency (token, created_unix, pending, record) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token) DO NOTHING`, token, rec.GetCreatedUnix(), rec.GetPendingBookingId() != "")
	if err == nil && n == 0 {
		err = t.fail(fmt.Errorf("idempotency token %q: %w", token, errRerun))
	}
	return err
}
