package store

import (
	"bytes"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bookingserver/bookingserver/booking"
)

// readAhead is what a Reserve fetched in one round trip (ReadAhead): the token's
// answer, the slots and the keys of those the user holds, each read as its own
// method would. Each is handed out once; a second read goes to the database, and
// sees the transaction's own writes.
//
// The slots are locked first, and the token is not locked: a replay is the same
// request, so it waits on the same slots' lock, and then reads the answer of the
// attempt it waited for (a later statement, a later snapshot). A token reused for
// another slot does not wait: of two answers, the second to be inserted fails on
// the token's primary key, and its reservation runs again and reads the first
// (as in serializable-only mode). That saves the token's lock, one statement per
// booking.
type readAhead struct {
	booking.ReadAhead
	slotsFrom, slotsTo []byte

	idem      []byte
	idemFound bool
	slots     slotRows
	// held has the keys in [slotsFrom, slotsTo) of the slots the user holds: the
	// answer of UserHoldsSlot for any key of that range.
	held [][]byte

	idemTaken, slotsTaken, heldTaken bool
}

// ReadAhead implements booking.ReadAheader in a Reserve (elsewhere it fetches
// nothing): BEGIN, the slots' lock, the token's answer, the slots' rows and those
// of them the user holds go in one round trip, where they took three.
func (t *pgTxn) ReadAhead(r booking.ReadAhead) error {
	if !t.reserve || t.pipeline == nil {
		return nil
	}
	a := &readAhead{ReadAhead: r, slotsFrom: slotScanPrefix(r.MerchantID, r.ServiceID, r.StartSec, r.DurationSec)}
	b := t.pipeline
	a.slotsTo = prefixEnd(a.slotsFrom)
	query, args := slotsSelect(a.slotsFrom, a.slotsTo, "")
	lock, err := t.slotsLock(a.slotsFrom, a.slotsTo)
	if err != nil {
		return err
	}
	b.Queue(lock.sql, lock.args...).Exec(func(pgconn.CommandTag) error { return nil })
	b.Queue(idempotencyRead, r.Token).Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, []any{&a.idem}, func() error { a.idemFound = true; return nil })
		return err
	})
	b.Queue(query, args...).Query(func(rows pgx.Rows) error {
		_, err := pgx.ForEachRow(rows, a.slots.scans(), a.slots.add)
		return err
	})
	held, heldArgs := userHoldsSlots(r.UserID, a.slotsFrom, a.slotsTo)
	b.Queue(held, heldArgs...).Query(func(rows pgx.Rows) error {
		var key []byte
		_, err := pgx.ForEachRow(rows, []any{&key}, func() error { a.held = append(a.held, key); return nil })
		return err
	})
	if err := t.flush(); err != nil {
		return err
	}
	t.ahead = a
	return nil
}

// takeIdempotency hands out the answer read ahead for token (ok false: none).
func (a *readAhead) takeIdempotency(token string) (raw []byte, found, ok bool) {
	if a == nil || a.idemTaken || a.Token != token {
		return nil, false, false
	}
	a.idemTaken = true
	return a.idem, a.idemFound, true
}

// takeSlots hands out the slots read ahead when [from, to) is their range.
func (a *readAhead) takeSlots(from, to []byte) ([]booking.Slot, bool) {
	if a == nil || a.slotsTaken || !bytes.Equal(a.slotsFrom, from) || !bytes.Equal(a.slotsTo, to) {
		return nil, false
	}
	a.slotsTaken = true
	return a.slots.slots, true
}

// takeUserHoldsSlot hands out whether the user holds the slot of slotKey, as read
// ahead, when slotKey is in the slots' range.
func (a *readAhead) takeUserHoldsSlot(userID string, slotKey []byte) (held, ok bool) {
	if a == nil || a.heldTaken || a.UserID != userID || bytes.Compare(slotKey, a.slotsFrom) < 0 ||
		(a.slotsTo != nil && bytes.Compare(slotKey, a.slotsTo) >= 0) {
		return false, false
	}
	a.heldTaken = true
	return slices.ContainsFunc(a.held, func(k []byte) bool { return bytes.Equal(k, slotKey) }), true
}

// The transaction reads ahead for the booking core.
var _ booking.ReadAheader = (*pgTxn)(nil)
