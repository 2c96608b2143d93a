package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// PostgresInventoryOutbox is InventoryOutbox on PostgreSQL, drained by every replica:
// Due leases the records it returns (FOR UPDATE SKIP LOCKED, then lease_until and
// lease_owner: pglease.go), as PostgresAvailabilityOutbox does.
type PostgresInventoryOutbox struct{ p *Postgres }

// InventoryOutbox returns the database's merchant and service RTU queue.
func (p *Postgres) InventoryOutbox() InventoryQueue { return &PostgresInventoryOutbox{p: p} }

// Wake receives a value after a transaction of this or another replica enqueued
// (the booking outbox's wake-up); feed loads are found by the worker's round timer.
func (o *PostgresInventoryOutbox) Wake() <-chan struct{} { return o.p.outbox.wake }

// inventoryWhere selects one record's row; its arguments are merchant and service id.
const inventoryWhere = `merchant_id = $1 AND service_id = $2`

// markInventory writes the feed load's changes in this transaction (as
// catalogChanges.write does on bbolt). Loads hold the feed lock, so no other
// transaction writes records meanwhile; the worker's updates wait for the row lock.
func (t *pgTxn) markInventory(c catalogChanges) error {
	now := time.Now()
	for _, ch := range c {
		cur, err := t.inventoryRecord(`SELECT record FROM inventory_rtu WHERE `+inventoryWhere+` FOR UPDATE`, ch.merchantID, ch.serviceID)
		if err != nil {
			return err
		}
		if err := t.putInventory(coalesce(cur, ch, now)); err != nil {
			return err
		}
	}
	return nil
}

// inventoryRecord reads the record of the one row of sql, nil when there is none.
func (t *pgTxn) inventoryRecord(sql string, args ...any) (*bsv1.InventoryRecord, error) {
	rec := &bsv1.InventoryRecord{}
	err := t.getRecord(rec, sql, args...)
	if errors.Is(err, booking.ErrNotFound) {
		return nil, nil
	}
	return rec, err
}

// putInventory writes rec as its pending row (due at rec's next attempt, unleased).
func (t *pgTxn) putInventory(rec *bsv1.InventoryRecord) error {
	return t.putRecord(rec, `INSERT INTO inventory_rtu (merchant_id, service_id, revision, next_attempt_unix, record)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (merchant_id, service_id) DO UPDATE
		SET revision = excluded.revision, next_attempt_unix = excluded.next_attempt_unix, lease_until = NULL, record = excluded.record`,
		rec.GetMerchantId(), rec.GetServiceId(), int64(rec.GetRevision()), rec.GetNextAttemptUnix())
}

// Due leases up to limit pending records due at now that no live replica holds, in
// key order, skipping services whose merchant's record waits or a live replica
// holds it, and returns each with its merchant or service as it is now, read in one
// snapshot.
func (o *PostgresInventoryOutbox) Due(ctx context.Context, now time.Time, limit int) ([]booking.InventoryUpdate, error) {
	rows, err := o.p.pool.Query(ctx, `WITH due AS (
			SELECT merchant_id, service_id FROM inventory_rtu r
			WHERE next_attempt_unix <= $1 AND `+o.p.claimable("r")+`
			AND NOT (service_id <> '' AND EXISTS (SELECT 1 FROM inventory_rtu m WHERE m.merchant_id = r.merchant_id
				AND m.service_id = '' AND (m.next_attempt_unix > $1 OR NOT `+o.p.claimable("m")+`)))
			ORDER BY merchant_id, service_id LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE inventory_rtu SET lease_until = now() + $3 * interval '1 millisecond', lease_owner = $4::integer FROM due
		WHERE (inventory_rtu.merchant_id, inventory_rtu.service_id) = (due.merchant_id, due.service_id)
		RETURNING inventory_rtu.record`,
		now.Unix(), limit, o.p.outbox.lease.Milliseconds(), o.p.leaseArg())
	if err != nil {
		return nil, err
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil || len(raws) == 0 {
		return nil, err
	}
	recs := make([]*bsv1.InventoryRecord, len(raws))
	for i, raw := range raws {
		recs[i] = &bsv1.InventoryRecord{}
		if err := unmarshal(raw, recs[i]); err != nil {
			return nil, fmt.Errorf("inventory rtu: %w", err)
		}
	}
	sortInventory(recs) // UPDATE … RETURNING has no order
	out := make([]booking.InventoryUpdate, len(recs))
	err = o.p.View(ctx, func(tx booking.ReadTx) error {
		for i, rec := range recs {
			if out[i], err = inventoryState(tx.(*pgTxn), rec); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// sortInventory puts records in key order.
func sortInventory(recs []*bsv1.InventoryRecord) {
	slices.SortFunc(recs, func(a, b *bsv1.InventoryRecord) int {
		return bytes.Compare(inventoryKey(a.GetMerchantId(), a.GetServiceId()), inventoryKey(b.GetMerchantId(), b.GetServiceId()))
	})
}

// Delivered removes the record if no change came after it was read at readAt;
// otherwise it stays, due at once.
func (o *PostgresInventoryOutbox) Delivered(ctx context.Context, sent *bsv1.InventoryRecord, readAt time.Time) error {
	return o.p.write(ctx, func(t *pgTxn) error {
		n, err := t.exec(`DELETE FROM inventory_rtu WHERE `+inventoryWhere+` AND revision = $3`,
			sent.GetMerchantId(), sent.GetServiceId(), int64(sent.GetRevision()))
		if err != nil || n > 0 {
			return err
		}
		cur, err := t.inventoryRecord(`SELECT record FROM inventory_rtu WHERE `+inventoryWhere+` FOR UPDATE`, sent.GetMerchantId(), sent.GetServiceId())
		if err != nil || cur == nil {
			return err
		}
		return t.putInventory(redeliver(cur, readAt))
	})
}

// failure adds failed attempt a to the record, if still pending, and hands it on to
// record. Failed and Dead differ only in record.
func (o *PostgresInventoryOutbox) failure(ctx context.Context, sent *bsv1.InventoryRecord, a *bsv1.Attempt,
	record func(t *pgTxn, cur *bsv1.InventoryRecord) error) error {
	return o.p.write(ctx, func(t *pgTxn) error {
		cur, err := t.inventoryRecord(`SELECT record FROM inventory_rtu WHERE `+inventoryWhere+` FOR UPDATE`, sent.GetMerchantId(), sent.GetServiceId())
		if err != nil || cur == nil {
			return err
		}
		cur.Attempts = append(cur.Attempts, attemptNumbered(a, len(cur.GetAttempts())))
		cur.Failures++
		return record(t, cur)
	})
}

// Failed records a failed attempt and makes the record due again at next.
func (o *PostgresInventoryOutbox) Failed(ctx context.Context, sent *bsv1.InventoryRecord, a *bsv1.Attempt, next time.Time) error {
	return o.failure(ctx, sent, a, func(t *pgTxn, cur *bsv1.InventoryRecord) error {
		cur.NextAttemptUnix = ceilUnix(next)
		return t.putInventory(cur)
	})
}

// Dead records the final failed attempt and moves the record to the dead letters.
func (o *PostgresInventoryOutbox) Dead(ctx context.Context, sent *bsv1.InventoryRecord, a *bsv1.Attempt) error {
	return o.failure(ctx, sent, a, func(t *pgTxn, cur *bsv1.InventoryRecord) error {
		cur.State, cur.NextAttemptUnix = bsv1.OutboxState_OUTBOX_STATE_DEAD, 0
		if err := t.putRecord(cur, `INSERT INTO inventory_rtu_dead (merchant_id, service_id, record) VALUES ($1, $2, $3)
			ON CONFLICT (merchant_id, service_id) DO UPDATE SET record = excluded.record`, cur.GetMerchantId(), cur.GetServiceId()); err != nil {
			return err
		}
		_, err := t.exec(`DELETE FROM inventory_rtu WHERE `+inventoryWhere, cur.GetMerchantId(), cur.GetServiceId())
		return err
	})
}

// RetryAllDead makes every dead record pending again (due at once, a fresh failure
// budget, its history kept) unless one is pending already, and returns how many dead
// letters it cleared.
func (o *PostgresInventoryOutbox) RetryAllDead(ctx context.Context) (int, error) {
	n := 0
	err := o.p.write(ctx, func(t *pgTxn) error {
		var dead []*bsv1.InventoryRecord
		if err := records(t, newInventoryRecord, func(r *bsv1.InventoryRecord) bool { dead = append(dead, r); return true },
			`DELETE FROM inventory_rtu_dead RETURNING record`); err != nil {
			return err
		}
		for _, rec := range dead {
			rec.State, rec.Failures, rec.NextAttemptUnix = bsv1.OutboxState_OUTBOX_STATE_PENDING, 0, 0
			if err := t.putRecord(rec, `INSERT INTO inventory_rtu (merchant_id, service_id, revision, record) VALUES ($1, $2, $3, $4)
				ON CONFLICT (merchant_id, service_id) DO NOTHING`, rec.GetMerchantId(), rec.GetServiceId(), int64(rec.GetRevision())); err != nil {
				return err
			}
		}
		n = len(dead)
		return nil
	})
	if err == nil && n > 0 {
		o.p.outbox.signal()
	}
	return n, err
}

func newInventoryRecord() *bsv1.InventoryRecord { return &bsv1.InventoryRecord{} }

// Counts returns the number of pending and dead records.
func (o *PostgresInventoryOutbox) Counts(ctx context.Context) (pending, dead int, err error) {
	err = o.p.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM inventory_rtu), (SELECT count(*) FROM inventory_rtu_dead)`).Scan(&pending, &dead)
	return pending, dead, err
}

// List returns every pending record, then every dead one, in key order.
func (o *PostgresInventoryOutbox) List(ctx context.Context) ([]*bsv1.InventoryRecord, error) {
	var out []*bsv1.InventoryRecord
	err := o.p.View(ctx, func(tx booking.ReadTx) error {
		t := tx.(*pgTxn)
		for _, table := range []string{"inventory_rtu", "inventory_rtu_dead"} {
			var recs []*bsv1.InventoryRecord
			if err := records(t, newInventoryRecord, func(r *bsv1.InventoryRecord) bool { recs = append(recs, r); return true },
				`SELECT record FROM `+table); err != nil {
				return err
			}
			sortInventory(recs)
			out = append(out, recs...)
		}
		return nil
	})
	return out, err
}
