package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// PostgresAvailabilityOutbox is AvailabilityOutbox on PostgreSQL, drained by every
// replica: Due leases the windows it returns (FOR UPDATE SKIP LOCKED, then
// lease_until and lease_owner, as PostgresOutbox does), so two replicas never send
// one window at once and a dead replica's windows are due again at once (when their
// lease expires in serializable-only mode: pglease.go).
type PostgresAvailabilityOutbox struct{ p *Postgres }

// AvailabilityOutbox returns the database's availability RTU queue.
func (p *Postgres) AvailabilityOutbox() RTUQueue { return &PostgresAvailabilityOutbox{p: p} }

// Wake receives a value after a transaction of this or another replica marked a
// window (the booking outbox's wake-up: both are written by the same changes).
func (o *PostgresAvailabilityOutbox) Wake() <-chan struct{} { return o.p.outbox.wake }

// rtuColumns are the columns a window's record is built from (scanRTU).
const rtuColumns = `merchant_id, service_id, start_sec, end_sec, revision, first_change_unix_nano, next_attempt_unix, history`

// scanRTU builds the record of one row of rtuColumns.
func scanRTU(row pgx.CollectableRow) (*bsv1.AvailabilityRecord, error) {
	rec := &bsv1.AvailabilityRecord{}
	var history []byte
	if err := row.Scan(&rec.MerchantId, &rec.ServiceId, &rec.StartSec, &rec.EndSec, &rec.Revision,
		&rec.FirstChangeUnixNano, &rec.NextAttemptUnix, &history); err != nil {
		return nil, err
	}
	if history != nil {
		h := &bsv1.AvailabilityRecord{}
		if err := unmarshal(history, h); err != nil {
			return nil, fmt.Errorf("rtu history %s/%s: %w", rec.GetMerchantId(), rec.GetServiceId(), err)
		}
		rec.Attempts, rec.Failures = h.GetAttempts(), h.GetFailures()
	}
	rec.State = bsv1.OutboxState_OUTBOX_STATE_PENDING
	return rec, nil
}

// Due leases up to limit pending windows due at now that no live replica holds, in
// key order, and returns each with its slots as they are now, read in one snapshot.
func (o *PostgresAvailabilityOutbox) Due(ctx context.Context, now time.Time, limit int) ([]booking.AvailabilityUpdate, error) {
	rows, err := o.p.pool.Query(ctx, `WITH due AS (
			SELECT merchant_id, service_id, start_sec, end_sec FROM rtu
			WHERE next_attempt_unix <= $1 AND `+o.p.claimable("rtu")+`
			ORDER BY merchant_id, service_id, start_sec, end_sec LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE rtu SET lease_until = now() + $3 * interval '1 millisecond', lease_owner = $4::integer FROM due
		WHERE (rtu.merchant_id, rtu.service_id, rtu.start_sec, rtu.end_sec) = (due.merchant_id, due.service_id, due.start_sec, due.end_sec)
		RETURNING rtu.merchant_id, rtu.service_id, rtu.start_sec, rtu.end_sec, rtu.revision, rtu.first_change_unix_nano, rtu.next_attempt_unix, rtu.history`,
		now.Unix(), limit, o.p.outbox.lease.Milliseconds(), o.p.leaseArg())
	if err != nil {
		return nil, err
	}
	recs, err := pgx.CollectRows(rows, scanRTU)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	sortRecords(recs)
	out := make([]booking.AvailabilityUpdate, len(recs))
	err = o.p.View(ctx, func(tx booking.ReadTx) error {
		t := tx.(*pgTxn)
		for i, rec := range recs {
			out[i] = booking.AvailabilityUpdate{Record: rec}
			from := feeds.SlotPrefix(rec.GetMerchantId(), rec.GetServiceId(), rec.GetStartSec())
			to := feeds.SlotPrefix(rec.GetMerchantId(), rec.GetServiceId(), rec.GetEndSec())
			if err := t.slotRange(from, to, func(s booking.Slot) bool { out[i].Slots = append(out[i].Slots, s); return true }); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// sortRecords puts records in key order (UPDATE … RETURNING has none).
func sortRecords(recs []*bsv1.AvailabilityRecord) {
	slices.SortFunc(recs, func(a, b *bsv1.AvailabilityRecord) int { return bytes.Compare(recordKey(a), recordKey(b)) })
}

// rtuWhere selects one window's row; its arguments are rtuKeyArgs.
const rtuWhere = `merchant_id = $1 AND service_id = $2 AND start_sec = $3 AND end_sec = $4`

func rtuKeyArgs(r *bsv1.AvailabilityRecord, more ...any) []any {
	return append([]any{r.GetMerchantId(), r.GetServiceId(), r.GetStartSec(), r.GetEndSec()}, more...)
}

// Delivered removes the windows Google accepted, read at readAt; a window whose
// revision moved on meanwhile stays, due at once, its first change no earlier than
// readAt.
func (o *PostgresAvailabilityOutbox) Delivered(ctx context.Context, recs []*bsv1.AvailabilityRecord, readAt time.Time) error {
	return o.p.write(ctx, func(t *pgTxn) error {
		for _, sent := range recs {
			n, err := t.exec(`DELETE FROM rtu WHERE `+rtuWhere+` AND revision = $5`, rtuKeyArgs(sent, sent.GetRevision())...)
			if err != nil || n > 0 {
				return err
			}
			if _, err := t.exec(`UPDATE rtu SET first_change_unix_nano = greatest(first_change_unix_nano, $5),
				next_attempt_unix = 0, history = NULL, lease_until = NULL WHERE `+rtuWhere, rtuKeyArgs(sent, readAt.UnixNano())...); err != nil {
				return err
			}
		}
		return nil
	})
}

// failures adds the failed attempt a to the current row of each of recs, in one
// transaction, and hands the row on to record (recs[i] as sent, cur as it is now);
// windows that are gone are skipped. Failed and Dead differ only in record.
func (o *PostgresAvailabilityOutbox) failures(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt,
	record func(t *pgTxn, i int, sent, cur *bsv1.AvailabilityRecord) error) error {
	return o.p.write(ctx, func(t *pgTxn) error {
		for i, sent := range recs {
			rows, err := t.tx.Query(t.ctx, `SELECT `+rtuColumns+` FROM rtu WHERE `+rtuWhere+` FOR UPDATE`, rtuKeyArgs(sent)...)
			if err != nil {
				return t.fail(err)
			}
			found, err := pgx.CollectRows(rows, scanRTU)
			if err != nil {
				return t.fail(err)
			}
			if len(found) == 0 {
				continue
			}
			cur := found[0]
			cur.Attempts = append(cur.Attempts, attemptNumbered(a, len(cur.GetAttempts())))
			cur.Failures++
			if err := record(t, i, sent, cur); err != nil {
				return err
			}
		}
		return nil
	})
}

// Failed records a failed attempt on each window and makes recs[i] due again at
// next[i] (rounded up to the second).
func (o *PostgresAvailabilityOutbox) Failed(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt, next []time.Time) error {
	return o.failures(ctx, recs, a, func(t *pgTxn, i int, sent, cur *bsv1.AvailabilityRecord) error {
		history := &bsv1.AvailabilityRecord{Attempts: cur.GetAttempts(), Failures: cur.GetFailures()}
		return t.putRecord(history, `UPDATE rtu SET next_attempt_unix = $5, lease_until = NULL, history = $6 WHERE `+rtuWhere,
			rtuKeyArgs(sent, ceilUnix(next[i]))...)
	})
}

// Dead records the final failed attempt and moves the windows to the dead letters.
func (o *PostgresAvailabilityOutbox) Dead(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt) error {
	return o.failures(ctx, recs, a, func(t *pgTxn, _ int, sent, cur *bsv1.AvailabilityRecord) error {
		cur.State, cur.NextAttemptUnix = bsv1.OutboxState_OUTBOX_STATE_DEAD, 0
		if err := t.putRecord(cur, `INSERT INTO rtu_dead (merchant_id, service_id, start_sec, end_sec, record) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (merchant_id, service_id, start_sec, end_sec) DO UPDATE SET record = excluded.record`, rtuKeyArgs(sent)...); err != nil {
			return err
		}
		_, err := t.exec(`DELETE FROM rtu WHERE `+rtuWhere, rtuKeyArgs(sent)...)
		return err
	})
}

// RetryAllDead makes every dead window pending again (due at once, a fresh failure
// budget, its history kept) unless it has a pending record already, and returns how
// many dead letters it cleared.
func (o *PostgresAvailabilityOutbox) RetryAllDead(ctx context.Context) (int, error) {
	n := 0
	err := o.p.write(ctx, func(t *pgTxn) error {
		dead, err := t.deadRTU(`DELETE FROM rtu_dead RETURNING record`)
		if err != nil {
			return err
		}
		for _, rec := range dead {
			history := &bsv1.AvailabilityRecord{Attempts: rec.GetAttempts()}
			if err := t.putRecord(history, `INSERT INTO rtu (merchant_id, service_id, start_sec, end_sec, revision, first_change_unix_nano, history)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (merchant_id, service_id, start_sec, end_sec) DO NOTHING`,
				rtuKeyArgs(rec, rec.GetRevision(), rec.GetFirstChangeUnixNano())...); err != nil {
				return err
			}
		}
		t.enqueued = len(dead) > 0 // every replica's notifiers wake on commit
		n = len(dead)
		return nil
	})
	return n, err
}

// deadRTU runs sql, which returns the record column of dead windows.
func (t *pgTxn) deadRTU(sql string) ([]*bsv1.AvailabilityRecord, error) {
	var out []*bsv1.AvailabilityRecord
	err := records(t, func() *bsv1.AvailabilityRecord { return &bsv1.AvailabilityRecord{} },
		func(r *bsv1.AvailabilityRecord) bool { out = append(out, r); return true }, sql)
	return out, err
}

// Counts returns the number of pending and dead windows.
func (o *PostgresAvailabilityOutbox) Counts(ctx context.Context) (pending, dead int, err error) {
	err = o.p.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM rtu), (SELECT count(*) FROM rtu_dead)`).Scan(&pending, &dead)
	return pending, dead, err
}

// List returns every pending window, then every dead one, in key order.
func (o *PostgresAvailabilityOutbox) List(ctx context.Context) ([]*bsv1.AvailabilityRecord, error) {
	var out []*bsv1.AvailabilityRecord
	err := o.p.View(ctx, func(tx booking.ReadTx) error {
		t := tx.(*pgTxn)
		rows, err := t.tx.Query(t.ctx, `SELECT `+rtuColumns+` FROM rtu ORDER BY merchant_id, service_id, start_sec, end_sec`)
		if err != nil {
			return t.fail(err)
		}
		if out, err = pgx.CollectRows(rows, scanRTU); err != nil {
			return t.fail(err)
		}
		sortRecords(out)
		dead, err := t.deadRTU(`SELECT record FROM rtu_dead`)
		sortRecords(dead)
		out = append(out, dead...)
		return err
	})
	return out, err
}

// markWindows marks, in this transaction, the day windows a feed load touched (as
// rtuWindows.write does on bbolt).
func (t *pgTxn) markWindows(w *rtuWindows) error {
	now := time.Now().UnixNano()
	for k := range w.set {
		key := []byte(k)
		_, m, s, start, err := slotWindowParts(key[:len(key)-8])
		if err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO rtu (merchant_id, service_id, start_sec, end_sec, revision, first_change_unix_nano)
			VALUES ($1, $2, $3, $4, 1, $5)
			ON CONFLICT (merchant_id, service_id, start_sec, end_sec) DO UPDATE SET revision = rtu.revision + 1`,
			m, s, start, start+rtuDay, now); err != nil {
			return err
		}
	}
	return nil
}

// PurgePastRTU is Store.PurgePastRTU.
func (p *Postgres) PurgePastRTU(before time.Time) (int, error) {
	n := 0
	err := p.write(context.Background(), func(t *pgTxn) error {
		n = 0
		for _, table := range []string{"rtu", "rtu_dead"} {
			m, err := t.exec(`DELETE FROM `+table+` WHERE end_sec <= $1`, before.Unix())
			if err != nil {
				return err
			}
			n += int(m)
		}
		return nil
	})
	return n, err
}
