package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// defaultOutboxLease is how long a record handed out by Due stays with its replica:
// longer than the notifier's attempt timeout times the records it may hold, shorter
// than a partner would wait for a dead replica's records.
const defaultOutboxLease = 2 * time.Minute

// PostgresOutbox is Outbox on PostgreSQL, drained by every replica at once. Due
// leases the records it returns (FOR UPDATE SKIP LOCKED, then lease_until and
// lease_owner): two replicas never get the same record while the lease lasts and
// its replica lives, and the records of a replica that died are due again at once
// (when its lease expires in serializable-only mode: pglease.go).
type PostgresOutbox struct {
	p     *Postgres
	wake  chan struct{}
	lease time.Duration
}

// Outbox returns the database's outbox.
func (p *Postgres) Outbox() Queue { return p.outbox }

// SetOutboxLease sets how long the outbox's Due's records stay leased (default two minutes).
func (p *Postgres) SetOutboxLease(d time.Duration) { p.outbox.lease = d }

// Wake receives a value after this replica or another one commits an enqueue
// (coalesced).
func (o *PostgresOutbox) Wake() <-chan struct{} { return o.wake }

func (o *PostgresOutbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// listen wakes the outbox on every notification of the outbox channel, and keeps
// the availability cache fresh with those of the slots channel, until ctx ends,
// reconnecting after errors (a lost wake-up only delays delivery to the next poll; lost count
// changes are why the cache is dropped on every connect). Its connection also holds
// the replica's lease-owner lock (pglease.go): it is open for the replica's life,
// and idle but for notifications, so the server sees at once when it closes.
func (p *Postgres) listen(ctx context.Context) {
	defer close(p.listenDone)
	for ctx.Err() == nil {
		err := p.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("outbox LISTEN connection lost (and with it the lease-owner lock); reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (p *Postgres) listenOnce(ctx context.Context) error {
	pooled, err := p.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection will LISTEN and hold a session lock: take it out of the pool for good.
	conn := pooled.Hijack()
	defer conn.Close(context.Background()) //nolint:errcheck // closing a connection we drop
	if !p.serializableOnly {
		if err := p.owner.hold(ctx, conn); err != nil {
			return err
		}
	}
	ch := p.cache.channels
	if _, err := conn.Exec(ctx, `LISTEN `+ch.outbox+`; LISTEN `+ch.slots); err != nil {
		return err
	}
	// Notifications sent while no connection listened are lost: the availability
	// cache starts again.
	p.cache.reset()
	p.firstListen.Do(func() { close(p.listening) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel != ch.slots {
			p.outbox.signal()
			continue
		}
		if err := p.cache.notified(n.Payload); err != nil {
			slog.Error("availability cache: dropped after a notification it cannot read", "err", err)
			p.cache.reset()
		}
	}
}

// Due leases and returns up to limit PENDING records whose next attempt is at or
// before now and that no live replica holds (pglease.go), in id order, skipping any record with an
// earlier PENDING record of the same booking (leased or not, due or not). Each
// notification is rebuilt from its booking as stored now, as on bbolt.
func (o *PostgresOutbox) Due(ctx context.Context, now time.Time, limit int) ([]*bsv1.OutboxRecord, error) {
	rows, err := o.p.pool.Query(ctx, `WITH due AS (
			SELECT o.id FROM outbox o
			WHERE o.next_attempt_unix <= $1 AND `+o.p.claimable("o")+`
			AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.booking_id = o.booking_id AND e.id < o.id)
			ORDER BY o.id LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE outbox SET lease_until = now() + $3 * interval '1 millisecond', lease_owner = $4::integer FROM due WHERE outbox.id = due.id
		RETURNING outbox.id, outbox.record`, now.Unix(), limit, o.lease.Milliseconds(), o.p.leaseArg())
	if err != nil {
		return nil, err
	}
	out, err := collectOutbox(rows)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *bsv1.OutboxRecord) int { return cmp.Compare(a.GetId(), b.GetId()) })
	err = o.p.run(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(t *pgTxn) error {
		for _, rec := range out {
			n, err := t.currentNotification(rec.GetNotification())
			if err != nil {
				return fmt.Errorf("outbox record %d: %w", rec.GetId(), err)
			}
			rec.Notification = n
		}
		return nil
	})
	return out, err
}

// collectOutbox decodes rows of (id, record).
func collectOutbox(rows pgx.Rows) ([]*bsv1.OutboxRecord, error) {
	var (
		out []*bsv1.OutboxRecord
		id  int64
		raw []byte
	)
	_, err := pgx.ForEachRow(rows, []any{&id, &raw}, func() error {
		rec := &bsv1.OutboxRecord{}
		if err := unmarshal(raw, rec); err != nil {
			return fmt.Errorf("outbox record %d: %w", id, err)
		}
		rec.Id = uint64(id)
		out = append(out, rec)
		return nil
	})
	return out, err
}

// Delivered moves a delivered record to its booking's delivery history (a missing
// one is not an error).
func (o *PostgresOutbox) Delivered(ctx context.Context, id uint64) error {
	return o.p.run(ctx, pgx.TxOptions{}, func(t *pgTxn) error {
		rec := &bsv1.OutboxRecord{}
		err := t.getRecord(rec, `DELETE FROM outbox WHERE id = $1 RETURNING record`, int64(id))
		if errors.Is(err, booking.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		rec.Id = id
		delivered(rec, time.Now())
		return t.putRecord(rec, `INSERT INTO outbox_delivered (id, booking_id, record) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`,
			int64(id), rec.GetNotification().GetBookingId())
	})
}

// BookingHistory returns the notifications about one booking — pending, dead and
// delivered — in id order, from the three tables' booking indexes.
func (o *PostgresOutbox) BookingHistory(ctx context.Context, bookingID string) ([]*bsv1.OutboxRecord, error) {
	rows, err := o.p.pool.Query(ctx, `SELECT id, record FROM outbox WHERE booking_id = $1
		UNION ALL SELECT id, record FROM outbox_dead WHERE booking_id = $1
		UNION ALL SELECT id, record FROM outbox_delivered WHERE booking_id = $1 ORDER BY id`, bookingID)
	if err != nil {
		return nil, err
	}
	return collectOutbox(rows)
}

// Failed records a failed attempt, schedules the next one at next (rounded up to
// the second) and ends the lease.
func (o *PostgresOutbox) Failed(ctx context.Context, id uint64, a *bsv1.Attempt, next time.Time) error {
	return o.p.run(ctx, pgx.TxOptions{}, func(t *pgTxn) error {
		rec, err := t.outboxFailure(id, a)
		if err != nil {
			return err
		}
		rec.NextAttemptUnix = ceilUnix(next)
		return t.putRecord(rec, `UPDATE outbox SET next_attempt_unix = $2, lease_until = NULL, record = $3 WHERE id = $1`,
			int64(id), rec.GetNextAttemptUnix())
	})
}

// outboxFailure reads (and locks) pending record id and adds a failed attempt to it.
func (t *pgTxn) outboxFailure(id uint64, a *bsv1.Attempt) (*bsv1.OutboxRecord, error) {
	rec := &bsv1.OutboxRecord{}
	if err := t.getRecord(rec, `SELECT record FROM outbox WHERE id = $1 FOR UPDATE`, int64(id)); err != nil {
		return nil, fmt.Errorf("outbox record %d: %w", id, err)
	}
	rec.Id = id
	rec.Attempts = append(rec.Attempts, a)
	rec.Failures++
	return rec, nil
}

// Dead records the final failed attempt and moves the record to the dead letters.
func (o *PostgresOutbox) Dead(ctx context.Context, id uint64, a *bsv1.Attempt) error {
	return o.p.run(ctx, pgx.TxOptions{}, func(t *pgTxn) error {
		rec, err := t.outboxFailure(id, a)
		if err != nil {
			return err
		}
		rec.State = bsv1.OutboxState_OUTBOX_STATE_DEAD
		rec.NextAttemptUnix = 0
		if err := t.putRecord(rec, `INSERT INTO outbox_dead (id, booking_id, record) VALUES ($1, $2, $3)`,
			int64(id), rec.GetNotification().GetBookingId()); err != nil {
			return err
		}
		_, err = t.exec(`DELETE FROM outbox WHERE id = $1`, int64(id))
		return err
	})
}

// Retry makes a dead record PENDING again, due at once with a fresh failure budget,
// under its id, and returns it. A record that is not dead is booking.ErrNotFound.
func (o *PostgresOutbox) Retry(ctx context.Context, id uint64) (*bsv1.OutboxRecord, error) {
	recs, err := o.revive(ctx, `WHERE id = $1`, int64(id))
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("dead letter %d: %w", id, booking.ErrNotFound)
	}
	return recs[0], nil
}

// RetryAllDead makes every dead record PENDING again and returns how many.
func (o *PostgresOutbox) RetryAllDead(ctx context.Context) (int, error) {
	recs, err := o.revive(ctx, ``)
	return len(recs), err
}

// revive moves the dead records that where selects back to the outbox and returns
// them, each notification rebuilt from its booking as stored now (as revive does).
func (o *PostgresOutbox) revive(ctx context.Context, where string, args ...any) ([]*bsv1.OutboxRecord, error) {
	var revived []*bsv1.OutboxRecord
	err := o.p.run(ctx, pgx.TxOptions{}, func(t *pgTxn) error {
		revived = nil
		rows, err := t.tx.Query(t.ctx, `DELETE FROM outbox_dead `+where+` RETURNING id, record`, args...)
		if err != nil {
			return t.fail(err)
		}
		dead, err := collectOutbox(rows)
		if err != nil {
			return t.fail(err)
		}
		for _, rec := range dead {
			if rec.Notification, err = t.currentNotification(rec.GetNotification()); err != nil {
				return fmt.Errorf("dead letter %d: %w", rec.GetId(), err)
			}
			rec.State = bsv1.OutboxState_OUTBOX_STATE_PENDING
			rec.Failures = 0
			rec.NextAttemptUnix = 0
			if err := t.putRecord(rec, `INSERT INTO outbox (id, booking_id, next_attempt_unix, record) VALUES ($1, $2, 0, $3)`,
				int64(rec.GetId()), rec.GetNotification().GetBookingId()); err != nil {
				return err
			}
		}
		t.enqueued = len(dead) > 0 // every replica's notifiers wake on commit
		revived = dead
		return nil
	})
	if err != nil {
		return nil, err
	}
	return revived, nil
}

// ListPending returns every PENDING record in id order.
func (o *PostgresOutbox) ListPending(ctx context.Context) ([]*bsv1.OutboxRecord, error) {
	return o.list(ctx, `SELECT id, record FROM outbox ORDER BY id`)
}

// ListDead returns every dead record in id order.
func (o *PostgresOutbox) ListDead(ctx context.Context) ([]*bsv1.OutboxRecord, error) {
	return o.list(ctx, `SELECT id, record FROM outbox_dead ORDER BY id`)
}

func (o *PostgresOutbox) list(ctx context.Context, sql string) ([]*bsv1.OutboxRecord, error) {
	rows, err := o.p.pool.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return collectOutbox(rows)
}

// Counts returns the number of pending and dead records.
func (o *PostgresOutbox) Counts(ctx context.Context) (pending, dead int, err error) {
	err = o.p.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM outbox_dead)`).Scan(&pending, &dead)
	return pending, dead, err
}

// currentNotification is current on PostgreSQL: n rebuilt from its booking's stored
// state with n's update mask, or n itself when the booking is gone.
func (t *pgTxn) currentNotification(n *bsv1.Notification) (*bsv1.Notification, error) {
	rec, err := t.Booking(n.GetBookingId())
	if errors.Is(err, booking.ErrNotFound) {
		return n, nil
	}
	if err != nil {
		return nil, err
	}
	return booking.Notification(rec, n.GetUpdateMask()...), nil
}
