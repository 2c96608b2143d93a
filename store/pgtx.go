package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// pgQuerier runs statements: a pgx.Tx, or the connection of a Reserve, whose
// BEGIN and COMMIT travel in its pipeline.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// pgTxn implements booking.Tx over one PostgreSQL transaction. The booking
// interfaces take no context: the transaction's is kept here.
type pgTxn struct {
	ctx context.Context
	tx  pgQuerier
	// err is the first statement error: the transaction is aborted from then on.
	err error
	// enqueued: an outbox record was written (the notifiers are woken on commit).
	enqueued bool
	// sum remembers the availability path's reads (pgsummary.go).
	sum *pgSummaries
	// reserve: the transaction is a Reserve (pgreserve.go).
	reserve bool
	// advisoryLocks: the Reserve runs READ COMMITTED, and advisory locks keep what
	// SERIALIZABLE would (the token, the cart holds).
	advisoryLocks bool
	// serializableOnly: the store runs in serializable-only mode, and statements
	// CockroachDB lacks are avoided (Postgres.SerializableOnly).
	serializableOnly bool
	// spotsOpen is the feed's spots_open of every slot read, by key: AddBooked never
	// takes a slot past it.
	spotsOpen map[string]int64
	// pipeline holds a Reserve's writes until its next read or its commit, which
	// sends them with it in one round trip (nil: every statement is sent at once).
	pipeline *pgx.Batch
	// cache is the replica's availability cache.
	cache *slotCache
	// touched has the slot keys whose counts this transaction changes, and changes
	// each change as the database made it, for the caches once it commits
	// (pgbroadcast.go); touched alone is what a failure of unknown outcome drops.
	touched [][]byte
	changes []slotChange
	// ahead has what a Reserve read ahead (pgreadahead.go).
	ahead *readAhead
}

// countChanged returns the scan of a statement that changes the count of slotKey
// and returns the new count and its version (a write whose result is read later,
// with the pipeline).
func (t *pgTxn) countChanged(slotKey []byte) func(pgx.Row) error {
	t.touched = append(t.touched, slotKey)
	return func(row pgx.Row) error {
		c := slotChange{key: slotKey}
		if err := row.Scan(&c.booked, &c.version); err != nil {
			return err
		}
		t.changes = append(t.changes, c)
		return nil
	}
}

// fail notes err as the transaction's first failure and returns it.
func (t *pgTxn) fail(err error) error {
	if err != nil && t.err == nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			t.err = err
		}
	}
	return err
}

func (t *pgTxn) exec(sql string, args ...any) (int64, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	tag, err := t.tx.Exec(t.ctx, sql, args...)
	if err != nil {
		return 0, t.fail(err)
	}
	return tag.RowsAffected(), nil
}

// get scans the one row of sql into dest, or returns booking.ErrNotFound.
func (t *pgTxn) get(sql string, args []any, dest ...any) error {
	found := false
	if err := t.query(statement{}, sql, args, dest, func() error { found = true; return nil }); err != nil {
		return err
	}
	if !found {
		return booking.ErrNotFound
	}
	return nil
}

// getRecord decodes into m the record column of the one row of sql, or returns
// booking.ErrNotFound.
func (t *pgTxn) getRecord(m proto.Message, sql string, args ...any) error {
	var raw []byte
	if err := t.get(sql, args, &raw); err != nil {
		return err
	}
	if err := unmarshal(raw, m); err != nil {
		return fmt.Errorf("%T: %w", m, err)
	}
	return nil
}

// putRecord writes (t.write) with sql, args and m encoded as the last argument.
func (t *pgTxn) putRecord(m proto.Message, sql string, args ...any) error {
	raw, err := marshal(m)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return t.write(sql, append(args, raw)...)
}

// write runs a statement whose result nothing reads. In a Reserve it joins the
// pipeline, and its error is the error of the next read or of the commit: a write
// whose failure matters fails in the database (a constraint), never by a test of
// its result, so that the pipeline's COMMIT never follows it.
func (t *pgTxn) write(sql string, args ...any) error {
	if t.pipeline != nil {
		t.pipeline.Queue(sql, args...)
		return nil
	}
	_, err := t.tx.Exec(t.ctx, sql, args...)
	return t.fail(err)
}

// writeRow is write for a statement that returns one row, which scan reads once
// the statement ran (in a Reserve, with the next read or the commit).
func (t *pgTxn) writeRow(scan func(pgx.Row) error, sql string, args ...any) error {
	b := t.pipeline
	if b == nil {
		b = &pgx.Batch{}
	}
	b.Queue(sql, args...).QueryRow(scan)
	if t.pipeline != nil {
		return nil
	}
	return t.fail(t.tx.SendBatch(t.ctx, b).Close())
}

// flush sends the pipeline's writes.
func (t *pgTxn) flush() error {
	if t.pipeline == nil || t.pipeline.Len() == 0 {
		return nil
	}
	b := t.pipeline
	t.pipeline = &pgx.Batch{}
	return t.fail(t.tx.SendBatch(t.ctx, b).Close())
}

// records reads every row of sql (one bytea column) before calling fn for each,
// decoded with newRec: fn may use the transaction, which pgx cannot do while rows
// are open.
func records[M proto.Message](t *pgTxn, newRec func() M, fn func(M) bool, sql string, args ...any) error {
	var all []M
	if err := streamRecords(t, newRec, func(m M) error { all = append(all, m); return nil }, sql, args...); err != nil {
		return err
	}
	for _, m := range all {
		if !fn(m) {
			return nil
		}
	}
	return nil
}

func newBookingRecord() *bsv1.BookingRecord { return &bsv1.BookingRecord{} }

func (t *pgTxn) Merchant(merchantID string) (*acv3.Merchant, error) {
	m := &acv3.Merchant{}
	return m, t.catalogRecord(m, "m\x00"+merchantID, `SELECT record FROM merchants WHERE merchant_id = $1`, merchantID)
}

func (t *pgTxn) Service(merchantID, serviceID string) (*acv3.Service, error) {
	s := &acv3.Service{}
	return s, t.catalogRecord(s, "s\x00"+string(serviceKey(merchantID, serviceID)),
		`SELECT record FROM services WHERE merchant_id = $1 AND service_id = $2`, merchantID, serviceID)
}

// catalogRecord is getRecord for the feed's merchants and services: a Reserve
// reads them from the replica's cache (pgcache.go), under key, as of the last feed
// load it was told of; other transactions read them in their snapshot.
func (t *pgTxn) catalogRecord(m proto.Message, key, sql string, args ...any) error {
	if !t.reserve {
		return t.getRecord(m, sql, args...)
	}
	raw, ok := t.cache.catalogRecord(key)
	if !ok {
		epoch := t.cache.currentEpoch()
		if err := t.get(sql, args, &raw); err != nil {
			return err
		}
		t.cache.putCatalogRecord(key, raw, epoch)
	}
	if err := unmarshal(raw, m); err != nil {
		return fmt.Errorf("%T: %w", m, err)
	}
	return nil
}

func (t *pgTxn) Slots(merchantID, serviceID string, startSec, durationSec int64, fn func(booking.Slot) bool) error {
	prefix := slotScanPrefix(merchantID, serviceID, startSec, durationSec)
	return t.slotRange(prefix, prefixEnd(prefix), fn)
}

// slotRange calls fn for every slot with a key in [from, to) (to nil: no end), with
// its live-booking count, in key order.
// In a Reserve the slots are locked first (slotsLock), so that reservations of one
// slot take turns and each reads the count its predecessor committed.
func (t *pgTxn) slotRange(from, to []byte, fn func(booking.Slot) bool) error {
	slots, ahead := t.ahead.takeSlots(from, to)
	if !ahead {
		var rows slotRows
		query, args := slotsSelect(from, to, "")
		var lock statement
		if t.reserve {
			var err error
			if lock, err = t.slotsLock(from, to); err != nil {
				return err
			}
		}
		if err := t.query(lock, query, args, rows.scans(), rows.add); err != nil {
			return err
		}
		slots = rows.slots
	}
	for _, s := range slots {
		t.rememberSpotsOpen(s)
	}
	for _, s := range slots {
		if !fn(s) {
			return nil
		}
	}
	return nil
}

// slotRows collects the rows of slotsSelect.
type slotRows struct {
	key, raw []byte
	n        int64
	slots    []booking.Slot
}

func (r *slotRows) scans() []any { return []any{&r.key, &r.raw, &r.n} }

// add decodes the row just scanned.
func (r *slotRows) add() error {
	rec := &bsv1.SlotRecord{}
	if err := unmarshal(r.raw, rec); err != nil {
		return fmt.Errorf("slot %x: %w", r.key, err)
	}
	r.slots = append(r.slots, booking.Slot{Key: r.key, Availability: rec.GetAvailability(), Booked: r.n})
	return nil
}

// keyRange is the condition "col in [from, to)" (to nil: no end) and its
// arguments, $1 and $2: a condition the key's index serves in every plan, where
// "($2 IS NULL OR col < $2)" let a generic plan scan the whole table.
func keyRange(col string, from, to []byte) (string, []any) {
	if to == nil {
		return col + " >= $1", []any{from}
	}
	return col + " >= $1 AND " + col + " < $2", []any{from, to}
}

// slotCount is a slot's live-booking count (s is the slot's row). A subquery per
// slot reads slot_booked by its key: the LEFT JOIN it replaces let PostgreSQL hash
// the whole of slot_booked for every booking's slot read (0.86 ms a read at 2,000
// booked slots, and growing with them).
const slotCount = `coalesce((SELECT b.booked FROM slot_booked b WHERE b.slot_key = s.slot_key), 0)`

// slotsSelect reads (key, record, live-booking count, then the columns of more) of
// the slots with keys in [from, to), in key order, and returns its arguments.
func slotsSelect(from, to []byte, more string) (string, []any) {
	cond, args := keyRange("s.slot_key", from, to)
	return `SELECT s.slot_key, s.record, ` + slotCount + more + ` FROM slots s WHERE ` + cond + ` ORDER BY s.slot_key`, args
}

// prefixEnd is the least key greater than every key with prefix (nil when there is
// none: the prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (t *pgTxn) Booking(bookingID string) (*bsv1.BookingRecord, error) {
	r := &bsv1.BookingRecord{}
	return r, t.getRecord(r, `SELECT record FROM bookings WHERE booking_id = $1`, bookingID)
}

// bookingsByUser reads the records of a user's bookings, newest first.
const bookingsByUser = `SELECT record FROM bookings WHERE user_id = $1 ORDER BY created_unix DESC, booking_id DESC`

func (t *pgTxn) BookingsByUser(userID string, fn func(*bsv1.BookingRecord) bool) error {
	return records(t, newBookingRecord, fn, bookingsByUser, userID)
}

// userHoldsSlots reads the keys of the slots in [from, to) (to nil: no end) that
// the user holds a spot of, and returns its arguments (keyRange's, then the user).
// The user's bookings are found by bookings_by_user and their rows filtered on the
// server, so that neither their records nor their other slots' keys travel. An
// index of live bookings by (user_id, slot_key) would spare reading the rows (about
// 1.5 ms at 1,000 bookings of the user), but every booking would pay its writes.
func userHoldsSlots(userID string, from, to []byte) (string, []any) {
	cond, args := keyRange("slot_key", from, to)
	args = append(args, userID)
	return fmt.Sprintf(`SELECT slot_key FROM bookings WHERE user_id = $%d AND holds_spot AND %s`, len(args), cond), args
}

// UserHoldsSlot implements booking.ReadTx: from what a Reserve read ahead for the
// slots of the key's range, else with a query of its own, of this key only.
func (t *pgTxn) UserHoldsSlot(userID string, slotKey []byte) (bool, error) {
	if held, ok := t.ahead.takeUserHoldsSlot(userID, slotKey); ok {
		return held, nil
	}
	query, args := userHoldsSlots(userID, slotKey, append(bytes.Clone(slotKey), 0))
	held := false
	err := t.query(statement{}, query, args, []any{new([]byte)}, func() error { held = true; return nil })
	return held, err
}

// idempotencyRead reads the answer of a token.
const idempotencyRead = `SELECT record FROM idempotency WHERE token = $1`

func (t *pgTxn) Idempotency(token string) (*bsv1.IdempotencyRecord, error) {
	r := &bsv1.IdempotencyRecord{}
	if t.reserve {
		return r, t.lockedIdempotency(token, r)
	}
	return r, t.getRecord(r, idempotencyRead, token)
}

func (t *pgTxn) Ledger(bookingID string, fn func(*bsv1.LedgerEntry) bool) error {
	return records(t, func() *bsv1.LedgerEntry { return &bsv1.LedgerEntry{} }, fn,
		`SELECT record FROM ledger WHERE booking_id = $1 ORDER BY seq`, bookingID)
}

func (t *pgTxn) PendingPayments(fn func(*bsv1.BookingRecord) bool) error {
	return records(t, newBookingRecord, fn, `SELECT record FROM bookings WHERE payment_pending ORDER BY booking_id`)
}

func (t *pgTxn) PendingRefunds(fn func(*bsv1.BookingRecord) bool) error {
	return records(t, newBookingRecord, fn, `SELECT record FROM bookings WHERE refund_pending ORDER BY booking_id`)
}

func (t *pgTxn) MerchantCart(merchantID string) (*bsv1.MerchantCart, error) {
	c := &bsv1.MerchantCart{}
	return c, t.getRecord(c, `SELECT record FROM merchant_carts WHERE merchant_id = $1`, merchantID)
}

func (t *pgTxn) ServiceCart(merchantID, serviceID string) (*bsv1.ServiceCart, error) {
	c := &bsv1.ServiceCart{}
	return c, t.getRecord(c, `SELECT record FROM service_carts WHERE merchant_id = $1 AND service_id = $2`, merchantID, serviceID)
}

func (t *pgTxn) CartHolds(untilUnix int64, fn func(*bsv1.BookingRecord) bool) error {
	if t.advisoryLocks {
		// Cart limits count every hold: cart reservations take turns.
		if _, err := t.exec(`SELECT pg_advisory_xact_lock($1)`, lockCartHolds); err != nil {
			return err
		}
	}
	return records(t, newBookingRecord, fn, `SELECT record FROM bookings
		WHERE cart_deadline_unix IS NOT NULL AND cart_deadline_unix <= $1 ORDER BY cart_deadline_unix, booking_id`, untilUnix)
}

func (t *pgTxn) RefundDue(fn func(*bsv1.BookingRecord) bool) error {
	return records(t, newBookingRecord, fn, `SELECT record FROM bookings WHERE refund_due ORDER BY booking_id`)
}

func (t *pgTxn) GatewayAccount(merchantID, gateway string) (*bsv1.GatewayAccountRecord, error) {
	r := &bsv1.GatewayAccountRecord{}
	return r, t.getRecord(r, `SELECT record FROM gateway_accounts WHERE merchant_id = $1 AND gateway = $2`, merchantID, gateway)
}

func (t *pgTxn) WebhookSeen(key string) (bool, error) {
	var seen bool
	err := t.get(`SELECT EXISTS (SELECT 1 FROM webhook_events WHERE dedupe_key = $1)`, []any{[]byte(key)}, &seen)
	return seen, err
}

// ChargeBooking answers the payment gateways' lookup of a booking by its charge, as
// txn.ChargeBooking does.
func (t *pgTxn) ChargeBooking(processor, processorID string) (string, error) {
	var id string
	err := t.get(`SELECT booking_id FROM ledger_charges WHERE processor = $1 AND processor_id = $2`, []any{processor, processorID}, &id)
	if errors.Is(err, booking.ErrNotFound) {
		return "", fmt.Errorf("charge %s %q: %w", processor, processorID, booking.ErrNotFound)
	}
	return id, err
}

// Writes.

func (t *pgTxn) PutBooking(rec *bsv1.BookingRecord) error {
	var deadline *int64
	if cart := rec.GetPayment().GetCart(); cart != nil &&
		rec.GetPayment().GetState() == bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART && booking.HoldsSpot(rec.GetBooking().GetStatus()) {
		d := cart.GetExpiresUnix()
		deadline = &d
	}
	b := rec.GetBooking()
	sql := insertBooking + replaceBooking
	if t.reserve {
		// A Reserve writes new bookings only (booking.Reserver): a plain insert, where
		// ON CONFLICT's speculative insertion cost a WAL record and about a fifth of
		// the statement's time.
		sql = insertBooking
	}
	err := t.putRecord(rec, sql, b.GetBookingId(), b.GetUserInformation().GetUserId(), rec.GetCreatedUnix(),
		rec.GetPayment().GetState() == bsv1.PaymentState_PAYMENT_STATE_PENDING, deadline,
		rec.GetPayment().GetCart().GetRefundDue(), nilIfEmpty(rec.GetSlotKey()), booking.HoldsSpot(b.GetStatus()),
		len(rec.GetPayment().GetPendingRefunds()) > 0, b.GetSlot().GetMerchantId(), b.GetSlot().GetStartSec())
	if err != nil {
		return fmt.Errorf("booking %q: %w", b.GetBookingId(), err)
	}
	return nil
}

// insertBooking inserts a booking's row ($12 is its record); replaceBooking, after
// it, replaces the row of a booking already stored.
const (
	insertBooking = `INSERT INTO bookings
		(booking_id, user_id, created_unix, payment_pending, cart_deadline_unix, refund_due, slot_key, holds_spot, refund_pending,
		 merchant_id, start_sec, record)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	replaceBooking = `
		ON CONFLICT (booking_id) DO UPDATE SET payment_pending = excluded.payment_pending,
		cart_deadline_unix = excluded.cart_deadline_unix, refund_due = excluded.refund_due,
		slot_key = excluded.slot_key, holds_spot = excluded.holds_spot, refund_pending = excluded.refund_pending,
		merchant_id = excluded.merchant_id, start_sec = excluded.start_sec, record = excluded.record`
)

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (t *pgTxn) AddBooked(slotKey []byte, delta int64) error {
	if delta > 0 {
		if _, read := t.spotsOpen[string(slotKey)]; t.reserve && !read {
			// It would hold no lock of the slot (concurrent reservations and a settle
			// would not wait for it) and know no spots_open to check the count against.
			return fmt.Errorf("a reservation takes a spot of slot %x, which it did not read (booking.Reserver): broken invariant", slotKey)
		}
		return t.takeSpots(slotKey, delta)
	}
	// An insert would be checked (booked >= 0) before its conflict is found. A count
	// of zero keeps its row, and its version (pgschema/0011_slot_versions.sql).
	t.touched = append(t.touched, slotKey)
	c := slotChange{key: slotKey}
	err := t.get(`UPDATE slot_booked SET booked = booked + $2, version = nextval('slot_booked_version')
		WHERE slot_key = $1 RETURNING booked, version`, []any{slotKey, delta}, &c.booked, &c.version)
	var pe *pgconn.PgError
	if errors.Is(err, booking.ErrNotFound) || (errors.As(err, &pe) && pe.Code == "23514") { // none, or check_violation
		return fmt.Errorf("slot booking count would go negative: broken invariant: %w", err)
	}
	if err != nil {
		return err
	}
	t.changes = append(t.changes, c)
	return nil
}

func (t *pgTxn) PutIdempotency(token string, rec *bsv1.IdempotencyRecord) error {
	if t.reserve {
		return t.insertIdempotency(token, rec)
	}
	return t.putRecord(rec, `INSERT INTO idempotency (token, created_unix, pending, record) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token) DO UPDATE SET created_unix = excluded.created_unix, pending = excluded.pending, record = excluded.record`,
		token, rec.GetCreatedUnix(), rec.GetPendingBookingId() != "")
}

func (t *pgTxn) DeleteIdempotency(token string) error {
	_, err := t.exec(`DELETE FROM idempotency WHERE token = $1`, token)
	return err
}

func (t *pgTxn) DeleteBooking(rec *bsv1.BookingRecord) error {
	_, err := t.exec(`DELETE FROM bookings WHERE booking_id = $1`, rec.GetBooking().GetBookingId())
	return err
}

func (t *pgTxn) AppendLedger(e *bsv1.LedgerEntry) error {
	if err := t.putRecord(e, `INSERT INTO ledger (booking_id, record) VALUES ($1, $2)`, e.GetBookingId()); err != nil {
		return err
	}
	if e.GetKind() != bsv1.LedgerEntry_KIND_CHARGE || e.GetProcessorId() == "" {
		return nil
	}
	_, err := t.exec(`INSERT INTO ledger_charges (processor, processor_id, booking_id) VALUES ($1, $2, $3)
		ON CONFLICT (processor, processor_id) DO UPDATE SET booking_id = excluded.booking_id`,
		e.GetProcessor(), e.GetProcessorId(), e.GetBookingId())
	return err
}

func (t *pgTxn) PutMerchantCart(c *bsv1.MerchantCart) error {
	return t.putRecord(c, `INSERT INTO merchant_carts (merchant_id, record) VALUES ($1, $2)
		ON CONFLICT (merchant_id) DO UPDATE SET record = excluded.record`, c.GetMerchantId())
}

func (t *pgTxn) PutServiceCart(c *bsv1.ServiceCart) error {
	return t.putRecord(c, `INSERT INTO service_carts (merchant_id, service_id, record) VALUES ($1, $2, $3)
		ON CONFLICT (merchant_id, service_id) DO UPDATE SET record = excluded.record`, c.GetMerchantId(), c.GetServiceId())
}

func (t *pgTxn) PutGatewayAccount(r *bsv1.GatewayAccountRecord) error {
	return t.putRecord(r, `INSERT INTO gateway_accounts (merchant_id, gateway, record) VALUES ($1, $2, $3)
		ON CONFLICT (merchant_id, gateway) DO UPDATE SET record = excluded.record`, r.GetMerchantId(), r.GetGateway())
}

func (t *pgTxn) MarkWebhook(key string, atUnix int64) error {
	_, err := t.exec(`INSERT INTO webhook_events (dedupe_key, applied_unix) VALUES ($1, $2)
		ON CONFLICT (dedupe_key) DO UPDATE SET applied_unix = excluded.applied_unix`, []byte(key), atUnix)
	return err
}

// Enqueue implements booking.Tx: the record is a row of this transaction, and its
// commit wakes the notifiers of every replica (pgbroadcast.go).
func (t *pgTxn) Enqueue(n *bsv1.Notification) error {
	if err := checkNotification(n); err != nil {
		return err
	}
	rec := newOutboxRecord(n)
	if err := t.putRecord(rec, `INSERT INTO outbox (booking_id, next_attempt_unix, record) VALUES ($1, 0, $2)`, n.GetBookingId()); err != nil {
		return fmt.Errorf("enqueue notification for booking %q: %w", n.GetBookingId(), err)
	}
	t.enqueued = true
	return nil
}

// The transaction is a booking.Tx and answers the gateways' charge lookup.
var (
	_ booking.Tx = (*pgTxn)(nil)
	_ interface {
		ChargeBooking(processor, processorID string) (string, error)
	} = (*pgTxn)(nil)
)

// SpotsChanged implements booking.Tx as the bbolt store does: the slot's start second
// is the window, and a waiting window's revision is bumped.
func (t *pgTxn) SpotsChanged(slotKey []byte) error {
	_, m, s, start, err := slotWindowParts(slotKey)
	if err != nil {
		return err
	}
	return t.write(`INSERT INTO rtu (merchant_id, service_id, start_sec, end_sec, revision, first_change_unix_nano)
		VALUES ($1, $2, $3, $4, 1, $5)
		ON CONFLICT (merchant_id, service_id, start_sec, end_sec) DO UPDATE SET revision = rtu.revision + 1`,
		m, s, start, start+1, time.Now().UnixNano())
}
