package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// rtuRecord is a record of an RTU queue: a message with the delivery state every
// queue keeps (state, failures, next attempt).
type rtuRecord interface {
	*bsv1.AvailabilityRecord | *bsv1.InventoryRecord
	proto.Message
}

// rtuQueue is what the availability and the merchant/service RTU queues share on
// bbolt: a bucket of records pending delivery and one of dead letters, keyed alike,
// and the channel that wakes their worker.
type rtuQueue[M rtuRecord] struct {
	s             *Store
	wake          chan struct{}
	pending, dead []byte
	fresh         func() M
}

// Wake receives a value after a transaction that wrote records commits.
func (q *rtuQueue[M]) Wake() <-chan struct{} { return q.wake }

// poke wakes the worker, or leaves the wake already waiting.
func (q *rtuQueue[M]) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// RetryAllDead makes every dead record pending again (due at once, a fresh failure
// budget, its history kept) and returns how many dead letters it cleared. A key that
// has a pending record already needs nothing more: that record sends the current
// state.
func (q *rtuQueue[M]) RetryAllDead(ctx context.Context) (int, error) {
	n := 0
	err := q.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		dead, pending := tx.Bucket(q.dead), tx.Bucket(q.pending)
		var keys [][]byte
		if err := dead.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil }); err != nil {
			return err
		}
		for _, k := range keys {
			if pending.Get(k) == nil {
				rec := q.fresh()
				if err := unmarshal(dead.Get(k), rec); err != nil {
					return fmt.Errorf("dead %s %q: %w", q.dead, k, err)
				}
				reviveRTU(rec)
				if err := putRecord(pending, k, rec); err != nil {
					return err
				}
			}
			if err := dead.Delete(k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		q.poke()
	}
	return n, err
}

// reviveRTU makes a dead RTU record pending, due at once, with a fresh failure budget.
func reviveRTU[M rtuRecord](rec M) {
	switch r := any(rec).(type) {
	case *bsv1.AvailabilityRecord:
		r.State, r.Failures, r.NextAttemptUnix = bsv1.OutboxState_OUTBOX_STATE_PENDING, 0, 0
	case *bsv1.InventoryRecord:
		r.State, r.Failures, r.NextAttemptUnix = bsv1.OutboxState_OUTBOX_STATE_PENDING, 0, 0
	}
}

// Counts returns the number of pending and dead records.
func (q *rtuQueue[M]) Counts(ctx context.Context) (pending, dead int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	err = q.s.db.View(func(tx *bolt.Tx) error {
		pending = tx.Bucket(q.pending).Stats().KeyN
		dead = tx.Bucket(q.dead).Stats().KeyN
		return nil
	})
	return pending, dead, err
}

// List returns every pending record, then every dead one, in key order.
func (q *rtuQueue[M]) List(ctx context.Context) ([]M, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []M
	err := q.s.db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{q.pending, q.dead} {
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				rec := q.fresh()
				if err := unmarshal(v, rec); err != nil {
					return fmt.Errorf("%s %q: %w", name, k, err)
				}
				out = append(out, rec)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// update runs fn in a write transaction of the store's group commit.
func (q *rtuQueue[M]) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return q.s.commits.update(fn)
}
