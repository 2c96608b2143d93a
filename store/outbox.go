package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Outbox is the store's notification outbox: the transactional half is Tx.Enqueue
// (booking.Tx), this is the half the notifier drains and operators inspect. Records
// are keyed by their bucket sequence number, so key order is enqueue order.
type Outbox struct {
	s    *Store
	wake chan struct{}
}

// wakers maps an open *bolt.DB to its outbox's wake channel, so that a commit that
// enqueued a record can wake the notifier without the booking core knowing of it.
var wakers sync.Map

// Outbox returns the store's outbox. All calls share one wake channel.
func (s *Store) Outbox() Queue {
	c, _ := wakers.LoadOrStore(s.db, make(chan struct{}, 1))
	return &Outbox{s: s, wake: c.(chan struct{})}
}

// Wake receives a value after a transaction that enqueued a record commits (coalesced:
// one value may stand for many commits), so the notifier need not poll often.
func (o *Outbox) Wake() <-chan struct{} { return o.wake }

func (o *Outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// outboxKey is the record key: id as 8 bytes big-endian.
func outboxKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

// enqueue writes n as a new PENDING record, due at once, in tx.
func enqueue(tx *bolt.Tx, n *bsv1.Notification) error {
	if err := checkNotification(n); err != nil {
		return err
	}
	b := tx.Bucket(bucketOutbox)
	id, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	rec := newOutboxRecord(n)
	rec.Id = id
	if err := putRecord(b, outboxKey(id), rec); err != nil {
		return fmt.Errorf("enqueue notification for booking %q: %w", n.GetBookingId(), err)
	}
	db := tx.DB() // tx forgets its DB once committed
	tx.OnCommit(func() {
		if c, ok := wakers.Load(db); ok {
			select {
			case c.(chan struct{}) <- struct{}{}:
			default:
			}
		}
	})
	return nil
}

// checkNotification refuses a notification that names no booking or no field.
func checkNotification(n *bsv1.Notification) error {
	if n.GetBookingId() == "" {
		return fmt.Errorf("enqueue notification: no booking_id: %w", booking.ErrInvalid)
	}
	if len(n.GetUpdateMask()) == 0 {
		return fmt.Errorf("enqueue notification for booking %q: empty update_mask: %w", n.GetBookingId(), booking.ErrInvalid)
	}
	return nil
}

// newOutboxRecord is the PENDING record of n, due at once (its id is the store's to set).
func newOutboxRecord(n *bsv1.Notification) *bsv1.OutboxRecord {
	now := time.Now()
	return &bsv1.OutboxRecord{
		Notification: n, State: bsv1.OutboxState_OUTBOX_STATE_PENDING,
		CreatedUnix: now.Unix(), CreatedUnixNano: now.UnixNano(),
	}
}

// Due returns up to limit PENDING records whose next attempt is at or before now, in
// id order, skipping any record with an earlier PENDING record of the same booking
// (due or not): a later update never overtakes an earlier one. Each notification is
// rebuilt from its booking as stored now (update mask kept): a record sent late or
// retried after later changes carries the current state, so Google never sees an
// older state after a newer one.
func (o *Outbox) Due(ctx context.Context, now time.Time, limit int) ([]*bsv1.OutboxRecord, error) {
	var out []*bsv1.OutboxRecord
	err := o.view(ctx, func(tx *bolt.Tx) error {
		out = nil
		seen := map[string]bool{}
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			if len(out) >= limit {
				return errStop
			}
			rec := &bsv1.OutboxRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("outbox record %x: %w", k, err)
			}
			bid := rec.GetNotification().GetBookingId()
			if seen[bid] {
				return nil
			}
			seen[bid] = true
			if rec.GetNextAttemptUnix() > now.Unix() {
				return nil
			}
			n, err := current(tx, rec.GetNotification())
			if err != nil {
				return fmt.Errorf("outbox record %d: %w", rec.GetId(), err)
			}
			rec.Notification = n
			out = append(out, rec)
			return nil
		})
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

// errStop ends a ForEach early.
var errStop = errors.New("stop")

// Delivered moves a delivered record to its booking's delivery history. A missing
// record is not an error (a duplicate delivery after a crash, or an operator's action).
func (o *Outbox) Delivered(ctx context.Context, id uint64) error {
	return o.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		rec := &bsv1.OutboxRecord{}
		if err := getRecord(b, outboxKey(id), rec); errors.Is(err, booking.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		delivered(rec, time.Now())
		if err := putRecord(tx.Bucket(bucketOutboxDelivered), deliveredKey(rec), rec); err != nil {
			return err
		}
		return b.Delete(outboxKey(id))
	})
}

// delivered marks rec DELIVERED at now.
func delivered(rec *bsv1.OutboxRecord, now time.Time) {
	rec.State = bsv1.OutboxState_OUTBOX_STATE_DELIVERED
	rec.DeliveredUnix = now.Unix()
	rec.NextAttemptUnix = 0
}

// deliveredKey is rec's key in bucketOutboxDelivered: booking_id 0x00 id(8).
func deliveredKey(rec *bsv1.OutboxRecord) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(rec.GetNotification().GetBookingId()), 0), rec.GetId())
}

// BookingHistory returns the notifications about one booking — pending, dead and
// delivered — in id order (the order they were enqueued).
func (o *Outbox) BookingHistory(ctx context.Context, bookingID string) ([]*bsv1.OutboxRecord, error) {
	var out []*bsv1.OutboxRecord
	err := o.view(ctx, func(tx *bolt.Tx) error {
		out = nil
		for _, name := range [][]byte{bucketOutbox, bucketOutboxDead} {
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				rec := &bsv1.OutboxRecord{}
				if err := unmarshal(v, rec); err != nil {
					return fmt.Errorf("outbox record %x: %w", k, err)
				}
				if rec.GetNotification().GetBookingId() == bookingID {
					out = append(out, rec)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		prefix := append([]byte(bookingID), 0)
		c := tx.Bucket(bucketOutboxDelivered).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rec := &bsv1.OutboxRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("delivered record %x: %w", k, err)
			}
			out = append(out, rec)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *bsv1.OutboxRecord) int { return cmp.Compare(a.GetId(), b.GetId()) })
	return out, err
}

// Failed records a failed attempt and schedules the next one at next (rounded up to
// the second, so never earlier than the retry policy asked).
func (o *Outbox) Failed(ctx context.Context, id uint64, a *bsv1.Attempt, next time.Time) error {
	return o.update(ctx, func(tx *bolt.Tx) error {
		rec, err := recordFailure(tx, id, a)
		if err != nil {
			return err
		}
		rec.NextAttemptUnix = ceilUnix(next)
		return putRecord(tx.Bucket(bucketOutbox), outboxKey(id), rec)
	})
}

// recordFailure reads pending record id and adds a failed attempt to it.
func recordFailure(tx *bolt.Tx, id uint64, a *bsv1.Attempt) (*bsv1.OutboxRecord, error) {
	rec := &bsv1.OutboxRecord{}
	if err := getRecord(tx.Bucket(bucketOutbox), outboxKey(id), rec); err != nil {
		return nil, fmt.Errorf("outbox record %d: %w", id, err)
	}
	rec.Attempts = append(rec.Attempts, a)
	rec.Failures++
	return rec, nil
}

// Dead records the final failed attempt and moves the record to the dead letters,
// with its whole history, until an operator retries it.
func (o *Outbox) Dead(ctx context.Context, id uint64, a *bsv1.Attempt) error {
	return o.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		rec, err := recordFailure(tx, id, a)
		if err != nil {
			return err
		}
		rec.State = bsv1.OutboxState_OUTBOX_STATE_DEAD
		rec.NextAttemptUnix = 0
		if err := putRecord(tx.Bucket(bucketOutboxDead), outboxKey(id), rec); err != nil {
			return err
		}
		return b.Delete(outboxKey(id))
	})
}

// Retry makes a dead record PENDING again, due at once with a fresh failure budget
// and its history kept, and returns it. It keeps its id, so it goes before any later
// record of the same booking that is still pending. A record that is not dead is
// ErrNotFound.
func (o *Outbox) Retry(ctx context.Context, id uint64) (*bsv1.OutboxRecord, error) {
	var rec *bsv1.OutboxRecord
	err := o.update(ctx, func(tx *bolt.Tx) (err error) {
		rec, err = revive(tx, outboxKey(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	o.signal()
	return rec, nil
}

// RetryAllDead makes every dead record PENDING again and returns how many.
func (o *Outbox) RetryAllDead(ctx context.Context) (int, error) {
	var n int
	err := o.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		var keys [][]byte
		if err := tx.Bucket(bucketOutboxDead).ForEach(func(k, _ []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := revive(tx, k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		o.signal()
	}
	return n, err
}

// revive moves the dead record under key back to the outbox and returns it, its
// notification rebuilt from the booking as stored now (update mask kept). A dead
// record does not hold back its booking's later records, so those may have been
// delivered since: its old snapshot, sent now, would turn Google's view back. Later
// records of the booking still pending go after it and carry states no older than
// this one's.
func revive(tx *bolt.Tx, key []byte) (*bsv1.OutboxRecord, error) {
	dead := tx.Bucket(bucketOutboxDead)
	rec := &bsv1.OutboxRecord{}
	if err := getRecord(dead, key, rec); err != nil {
		return nil, fmt.Errorf("dead letter %d: %w", binary.BigEndian.Uint64(key), err)
	}
	n, err := current(tx, rec.GetNotification())
	if err != nil {
		return nil, fmt.Errorf("dead letter %d: %w", rec.GetId(), err)
	}
	rec.Notification = n
	rec.State = bsv1.OutboxState_OUTBOX_STATE_PENDING
	rec.Failures = 0
	rec.NextAttemptUnix = 0
	if err := putRecord(tx.Bucket(bucketOutbox), key, rec); err != nil {
		return nil, err
	}
	return rec, dead.Delete(key)
}

// current is n rebuilt from its booking's stored state, with n's update mask; n
// itself when the booking is gone (a retention sweep), its snapshot being all there is.
func current(tx *bolt.Tx, n *bsv1.Notification) (*bsv1.Notification, error) {
	rec := &bsv1.BookingRecord{}
	err := getRecord(tx.Bucket(bucketBookings), []byte(n.GetBookingId()), rec)
	if errors.Is(err, booking.ErrNotFound) {
		return n, nil
	}
	if err != nil {
		return nil, err
	}
	return booking.Notification(rec, n.GetUpdateMask()...), nil
}

// ListPending returns every PENDING record in id order.
func (o *Outbox) ListPending(ctx context.Context) ([]*bsv1.OutboxRecord, error) {
	return o.list(ctx, bucketOutbox)
}

// ListDead returns every dead record in id order.
func (o *Outbox) ListDead(ctx context.Context) ([]*bsv1.OutboxRecord, error) {
	return o.list(ctx, bucketOutboxDead)
}

// Counts returns the number of pending and dead records.
func (o *Outbox) Counts(ctx context.Context) (pending, dead int, err error) {
	err = o.view(ctx, func(tx *bolt.Tx) error {
		pending = tx.Bucket(bucketOutbox).Stats().KeyN
		dead = tx.Bucket(bucketOutboxDead).Stats().KeyN
		return nil
	})
	return pending, dead, err
}

func (o *Outbox) list(ctx context.Context, bucket []byte) ([]*bsv1.OutboxRecord, error) {
	var out []*bsv1.OutboxRecord
	err := o.view(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			rec := &bsv1.OutboxRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("outbox record %x: %w", k, err)
			}
			out = append(out, rec)
			return nil
		})
	})
	return out, err
}

func (o *Outbox) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return o.s.db.View(fn)
}

func (o *Outbox) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return o.s.commits.update(fn)
}

// ceilUnix is t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
