package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Merchant and service real-time updates: a feed load that adds, changes or removes
// a merchant or a service writes, in its own transaction, an InventoryRecord naming
// it (bucketInventoryRTU, table inventory_rtu). The record carries what changed (the
// feed's field names, for the patch's updateMask) and whether it was added, never the
// data: InventoryQueue.Due reads the merchant or service as it is when the worker
// builds the call.

// inventoryWakers maps an open *bolt.DB to its inventory queue's wake channel (as
// wakers does for the booking outbox).
var inventoryWakers sync.Map

// inventoryKey is the key of a merchant's record (serviceID "") or a service's:
// serviceKey, so that a merchant's record sorts before its services' and is sent
// first.
func inventoryKey(merchantID, serviceID string) []byte { return serviceKey(merchantID, serviceID) }

// inventoryChange is one merchant or service that a feed load added, changed or
// removed.
type inventoryChange struct {
	merchantID, serviceID string
	// fields are the changed top-level fields (feed names); created: it was added;
	// neither: it was removed.
	fields  []string
	created bool
}

// catalogChanges collects the merchant and service changes of one feed load; both
// stores fill it the same way and write it in the load's transaction.
type catalogChanges []inventoryChange

// put notes that the feed wrote rec (a Merchant or Service) over old (nil: none
// before). Nothing is noted when no field changed.
func (c *catalogChanges) put(merchantID, serviceID string, old, rec proto.Message) {
	if old == nil {
		*c = append(*c, inventoryChange{merchantID: merchantID, serviceID: serviceID, created: true})
		return
	}
	if fields := changedFields(old, rec); len(fields) > 0 {
		*c = append(*c, inventoryChange{merchantID: merchantID, serviceID: serviceID, fields: fields})
	}
}

// removed notes that the feed removed the merchant (serviceID "") or service.
func (c *catalogChanges) removed(merchantID, serviceID string) {
	*c = append(*c, inventoryChange{merchantID: merchantID, serviceID: serviceID})
}

// changedFields names the top-level fields whose values differ between a and b
// (messages of one type), in field-number order.
func changedFields(a, b proto.Message) []string {
	ma, mb := a.ProtoReflect(), b.ProtoReflect()
	fields := ma.Descriptor().Fields()
	var out []string
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !fieldEqual(ma, mb, fd) {
			out = append(out, string(fd.Name()))
		}
	}
	return out
}

// fieldEqual compares one field of a and b (lists, maps and messages included) by
// copying it alone into empty messages and comparing those.
func fieldEqual(a, b protoreflect.Message, fd protoreflect.FieldDescriptor) bool {
	if !a.Has(fd) && !b.Has(fd) {
		return true
	}
	if a.Has(fd) != b.Has(fd) {
		return false
	}
	x, y := a.Type().New(), b.Type().New()
	x.Set(fd, a.Get(fd))
	y.Set(fd, b.Get(fd))
	return proto.Equal(x.Interface(), y.Interface())
}

// coalesce folds change ch into rec, the record already waiting (nil: none), and
// returns the record to store: revision+1, the changed fields joined, created kept;
// a new record is due at once.
func coalesce(rec *bsv1.InventoryRecord, ch inventoryChange, now time.Time) *bsv1.InventoryRecord {
	if rec == nil {
		rec = &bsv1.InventoryRecord{MerchantId: ch.merchantID, ServiceId: ch.serviceID,
			State: bsv1.OutboxState_OUTBOX_STATE_PENDING, FirstChangeUnixNano: now.UnixNano()}
	}
	rec.Revision++
	rec.Created = rec.GetCreated() || ch.created
	for _, f := range ch.fields {
		if !slices.Contains(rec.ChangedFields, f) {
			rec.ChangedFields = append(rec.ChangedFields, f)
		}
	}
	return rec
}

// write marks every change in tx (bbolt).
func (c catalogChanges) write(tx *bolt.Tx) error {
	if len(c) == 0 {
		return nil
	}
	b := tx.Bucket(bucketInventoryRTU)
	now := time.Now()
	for _, ch := range c {
		key := inventoryKey(ch.merchantID, ch.serviceID)
		cur, err := getInventoryRecord(b, key)
		if err != nil {
			return err
		}
		if err := putRecord(b, key, coalesce(cur, ch, now)); err != nil {
			return fmt.Errorf("inventory rtu %s/%s: %w", ch.merchantID, ch.serviceID, err)
		}
	}
	wakeOnCommit(tx, &inventoryWakers)
	return nil
}

// wakeOnCommit wakes the queue of tx's database in wakers once tx commits.
func wakeOnCommit(tx *bolt.Tx, wakers *sync.Map) {
	db := tx.DB() // tx forgets its DB once committed
	tx.OnCommit(func() {
		if c, ok := wakers.Load(db); ok {
			select {
			case c.(chan struct{}) <- struct{}{}:
			default:
			}
		}
	})
}

// getInventoryRecord reads a record, nil when there is none.
func getInventoryRecord(b *bolt.Bucket, key []byte) (*bsv1.InventoryRecord, error) {
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	rec := &bsv1.InventoryRecord{}
	if err := unmarshal(v, rec); err != nil {
		return nil, fmt.Errorf("inventory rtu %q: %w", key, err)
	}
	return rec, nil
}

// InventoryQueue is the merchant and service RTU queue that the worker drains
// (notifier.InventoryOutbox) and operators inspect; feed loads write it.
type InventoryQueue interface {
	Due(ctx context.Context, now time.Time, limit int) ([]booking.InventoryUpdate, error)
	Delivered(ctx context.Context, rec *bsv1.InventoryRecord, readAt time.Time) error
	Failed(ctx context.Context, rec *bsv1.InventoryRecord, a *bsv1.Attempt, next time.Time) error
	Dead(ctx context.Context, rec *bsv1.InventoryRecord, a *bsv1.Attempt) error
	Counts(ctx context.Context) (pending, dead int, err error)
	Wake() <-chan struct{}
	// RetryAllDead makes every dead record pending again and returns how many.
	RetryAllDead(ctx context.Context) (int, error)
	// List returns every pending record, then every dead one, in key order.
	List(ctx context.Context) ([]*bsv1.InventoryRecord, error)
}

// InventoryOutbox is InventoryQueue on bbolt.
type InventoryOutbox struct {
	rtuQueue[*bsv1.InventoryRecord]
}

// InventoryOutbox returns the store's merchant and service RTU queue.
func (s *Store) InventoryOutbox() InventoryQueue {
	c, _ := inventoryWakers.LoadOrStore(s.db, make(chan struct{}, 1))
	return &InventoryOutbox{rtuQueue[*bsv1.InventoryRecord]{s: s, wake: c.(chan struct{}),
		pending: bucketInventoryRTU, dead: bucketInventoryRTUDead, fresh: func() *bsv1.InventoryRecord { return &bsv1.InventoryRecord{} }}}
}

// Due returns up to limit pending records due at now, in key order, each with its
// merchant or service as it is now, read in one snapshot. A service's record waits
// while its merchant's record is pending and not due (Google must know the merchant
// first).
func (o *InventoryOutbox) Due(ctx context.Context, now time.Time, limit int) ([]booking.InventoryUpdate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []booking.InventoryUpdate
	err := o.s.db.View(func(tx *bolt.Tx) error {
		out = nil
		t := txn{tx}
		waiting := "" // merchant whose record is not due yet
		c := tx.Bucket(bucketInventoryRTU).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			rec := &bsv1.InventoryRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("inventory rtu %q: %w", k, err)
			}
			if rec.GetNextAttemptUnix() > now.Unix() {
				if rec.GetServiceId() == "" {
					waiting = rec.GetMerchantId()
				}
				continue
			}
			if rec.GetServiceId() != "" && rec.GetMerchantId() == waiting {
				continue
			}
			u, err := inventoryState(t, rec)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// inventoryState reads the merchant or service of rec as it is now (either store).
func inventoryState(r catalogReader, rec *bsv1.InventoryRecord) (booking.InventoryUpdate, error) {
	u := booking.InventoryUpdate{Record: rec}
	var err error
	if rec.GetServiceId() == "" {
		u.Merchant, err = r.Merchant(rec.GetMerchantId())
	} else {
		u.Service, err = r.Service(rec.GetMerchantId(), rec.GetServiceId())
	}
	if errors.Is(err, booking.ErrNotFound) {
		return booking.InventoryUpdate{Record: rec}, nil
	}
	return u, err
}

// Delivered removes rec if no change came after it was read at readAt; otherwise the
// record stays, due at once, its first change no earlier than readAt.
func (o *InventoryOutbox) Delivered(ctx context.Context, sent *bsv1.InventoryRecord, readAt time.Time) error {
	return o.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInventoryRTU)
		key := inventoryKey(sent.GetMerchantId(), sent.GetServiceId())
		cur, err := getInventoryRecord(b, key)
		if err != nil || cur == nil {
			return err
		}
		if cur.GetRevision() == sent.GetRevision() {
			return b.Delete(key)
		}
		return putRecord(b, key, redeliver(cur, readAt))
	})
}

// redeliver is a record changed after a delivery read it: due at once with a fresh
// failure budget, its first change no earlier than readAt.
func redeliver(cur *bsv1.InventoryRecord, readAt time.Time) *bsv1.InventoryRecord {
	cur.FirstChangeUnixNano = max(cur.GetFirstChangeUnixNano(), readAt.UnixNano())
	cur.NextAttemptUnix, cur.Failures = 0, 0
	return cur
}

// Failed records a failed attempt and makes the record due again at next.
func (o *InventoryOutbox) Failed(ctx context.Context, sent *bsv1.InventoryRecord, a *bsv1.Attempt, next time.Time) error {
	return o.failure(ctx, sent, a, func(tx *bolt.Tx, key []byte, cur *bsv1.InventoryRecord) error {
		cur.NextAttemptUnix = ceilUnix(next)
		return putRecord(tx.Bucket(bucketInventoryRTU), key, cur)
	})
}

// Dead records the final failed attempt and moves the record to the dead letters; a
// later change writes a new pending record.
func (o *InventoryOutbox) Dead(ctx context.Context, sent *bsv1.InventoryRecord, a *bsv1.Attempt) error {
	return o.failure(ctx, sent, a, func(tx *bolt.Tx, key []byte, cur *bsv1.InventoryRecord) error {
		cur.State, cur.NextAttemptUnix = bsv1.OutboxState_OUTBOX_STATE_DEAD, 0
		if err := putRecord(tx.Bucket(bucketInventoryRTUDead), key, cur); err != nil {
			return err
		}
		return tx.Bucket(bucketInventoryRTU).Delete(key)
	})
}

// failure adds failed attempt a to the record if still pending and lets store put it
// where it now belongs.
func (o *InventoryOutbox) failure(ctx context.Context, sent *bsv1.InventoryRecord, a *bsv1.Attempt,
	store func(tx *bolt.Tx, key []byte, cur *bsv1.InventoryRecord) error) error {
	return o.update(ctx, func(tx *bolt.Tx) error {
		key := inventoryKey(sent.GetMerchantId(), sent.GetServiceId())
		cur, err := getInventoryRecord(tx.Bucket(bucketInventoryRTU), key)
		if err != nil || cur == nil {
			return err
		}
		cur.Attempts = append(cur.Attempts, attemptNumbered(a, len(cur.GetAttempts())))
		cur.Failures++
		return store(tx, key, cur)
	})
}

// oldRecord decodes raw (a stored Merchant or Service) into m; nil when raw is nil
// (none stored).
func oldRecord[M proto.Message](raw []byte, m M) (proto.Message, error) {
	if raw == nil {
		return nil, nil
	}
	if err := unmarshal(raw, m); err != nil {
		return nil, err
	}
	return m, nil
}
