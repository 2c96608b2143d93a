package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Availability real-time updates (RTUs): every change of open spots writes, in its
// own transaction, an AvailabilityRecord for the window of slot starts it touched
// (bucketRTU). A booking's window is its slot's start second; a feed load marks each
// UTC day of each service whose slots it wrote or removed. A record names the window
// only: AvailabilityOutbox.Due reads the window's slots when the worker builds the
// call, so what Google receives is never older than the record.

// rtuDay is the window a feed load marks per service: one UTC day of slot starts.
const rtuDay = 24 * 60 * 60

// rtuWakers maps an open *bolt.DB to its availability outbox's wake channel (as
// wakers does for the booking outbox).
var rtuWakers sync.Map

// rtuKey is the key of a window's record.
func rtuKey(merchantID, serviceID string, start, end int64) []byte {
	k := make([]byte, 0, len(merchantID)+len(serviceID)+2+16)
	k = append(append(k, merchantID...), 0)
	k = append(append(k, serviceID...), 0)
	k = binary.BigEndian.AppendUint64(k, uint64(start))
	return binary.BigEndian.AppendUint64(k, uint64(end))
}

// slotWindowParts splits a slot key (feeds.SlotKey) into its service prefix
// (merchant 0x00 service 0x00), merchant, service and start.
func slotWindowParts(k []byte) (prefix []byte, merchantID, serviceID string, start int64, err error) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return nil, "", "", 0, fmt.Errorf("slot key %x: no merchant id", k)
	}
	j := bytes.IndexByte(k[i+1:], 0)
	if j < 0 || len(k) < i+1+j+1+8 {
		return nil, "", "", 0, fmt.Errorf("slot key %x: no service id or start", k)
	}
	j += i + 1
	return k[:j+1], string(k[:i]), string(k[i+1 : j]), int64(binary.BigEndian.Uint64(k[j+1:])), nil
}

// SpotsChanged implements booking.Tx: the slot's start second is the window.
func (t txn) SpotsChanged(slotKey []byte) error {
	_, m, s, start, err := slotWindowParts(slotKey)
	if err != nil {
		return err
	}
	return markWindow(t.tx, rtuKey(m, s, start, start+1), m, s, start, start+1)
}

// markWindow writes the window's pending record, or coalesces this change into the
// one already waiting (revision+1; its schedule and first change are kept).
func markWindow(tx *bolt.Tx, key []byte, merchantID, serviceID string, start, end int64) error {
	b := tx.Bucket(bucketRTU)
	rec := &bsv1.AvailabilityRecord{}
	if v := b.Get(key); v != nil {
		if err := unmarshal(v, rec); err != nil {
			return fmt.Errorf("rtu record %x: %w", key, err)
		}
		rec.Revision++
	} else {
		rec = &bsv1.AvailabilityRecord{
			MerchantId: merchantID, ServiceId: serviceID, StartSec: start, EndSec: end,
			Revision: 1, State: bsv1.OutboxState_OUTBOX_STATE_PENDING,
			FirstChangeUnixNano: time.Now().UnixNano(),
		}
	}
	if err := putRecord(b, key, rec); err != nil {
		return fmt.Errorf("rtu record %s/%s: %w", merchantID, serviceID, err)
	}
	wakeOnCommit(tx, &rtuWakers)
	return nil
}

// rtuWindows collects the day windows a feed load touched, one per service and UTC
// day, cheaply for a million slot keys that arrive mostly in key order.
type rtuWindows struct {
	lastPrefix []byte
	lastDay    int64
	set        map[string]struct{}
}

// addSlot marks the day window of slot key k.
func (w *rtuWindows) addSlot(k []byte) {
	prefix, m, s, start, err := slotWindowParts(k)
	if err != nil {
		return // not a slot key: nothing Google knows
	}
	day := start - start%rtuDay
	if day == w.lastDay && bytes.Equal(prefix, w.lastPrefix) {
		return
	}
	w.lastPrefix, w.lastDay = append(w.lastPrefix[:0], prefix...), day
	if w.set == nil {
		w.set = map[string]struct{}{}
	}
	w.set[string(rtuKey(m, s, day, day+rtuDay))] = struct{}{}
}

// write marks every collected window in tx.
func (w *rtuWindows) write(tx *bolt.Tx) error {
	for k := range w.set {
		key := []byte(k)
		_, m, s, start, err := slotWindowParts(key[:len(key)-8])
		if err != nil {
			return err
		}
		if err := markWindow(tx, key, m, s, start, start+rtuDay); err != nil {
			return err
		}
	}
	return nil
}

// AvailabilityOutbox is the half of the availability RTU queue that the worker
// drains and operators inspect; the other half is booking.Tx.SpotsChanged and the
// feed loads.
type AvailabilityOutbox struct {
	rtuQueue[*bsv1.AvailabilityRecord]
}

// AvailabilityOutbox returns the store's availability RTU queue.
func (s *Store) AvailabilityOutbox() RTUQueue {
	c, _ := rtuWakers.LoadOrStore(s.db, make(chan struct{}, 1))
	return &AvailabilityOutbox{rtuQueue[*bsv1.AvailabilityRecord]{s: s, wake: c.(chan struct{}),
		pending: bucketRTU, dead: bucketRTUDead, fresh: func() *bsv1.AvailabilityRecord { return &bsv1.AvailabilityRecord{} }}}
}

// Due returns up to limit pending records due at now, in key order (so a service's
// windows are adjacent), each with its window's slots as they are now, read in one
// snapshot with the records' revisions.
func (o *AvailabilityOutbox) Due(ctx context.Context, now time.Time, limit int) ([]booking.AvailabilityUpdate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []booking.AvailabilityUpdate
	err := o.s.db.View(func(tx *bolt.Tx) error {
		out = nil
		slots, counts := tx.Bucket(bucketSlots), tx.Bucket(bucketSlotBooked)
		c := tx.Bucket(bucketRTU).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			rec := &bsv1.AvailabilityRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("rtu record %x: %w", k, err)
			}
			if rec.GetNextAttemptUnix() > now.Unix() {
				continue
			}
			u := booking.AvailabilityUpdate{Record: rec}
			from := feeds.SlotPrefix(rec.GetMerchantId(), rec.GetServiceId(), rec.GetStartSec())
			to := feeds.SlotPrefix(rec.GetMerchantId(), rec.GetServiceId(), rec.GetEndSec())
			sc := slots.Cursor()
			for sk, sv := sc.Seek(from); sk != nil && bytes.Compare(sk, to) < 0; sk, sv = sc.Next() {
				sr := &bsv1.SlotRecord{}
				if err := unmarshal(sv, sr); err != nil {
					return fmt.Errorf("slot %x: %w", sk, err)
				}
				u.Slots = append(u.Slots, booking.Slot{Key: bytes.Clone(sk), Availability: sr.GetAvailability(), Booked: booked(counts, sk)})
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// Delivered removes the records Google accepted, read at readAt: a record whose
// revision moved on meanwhile (a change after the read) stays, due at once, its
// first change now no earlier than readAt.
func (o *AvailabilityOutbox) Delivered(ctx context.Context, recs []*bsv1.AvailabilityRecord, readAt time.Time) error {
	return o.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRTU)
		for _, sent := range recs {
			key := recordKey(sent)
			cur, err := getAvailabilityRecord(b, key)
			if err != nil || cur == nil {
				continue
			}
			if cur.GetRevision() == sent.GetRevision() {
				if err := b.Delete(key); err != nil {
					return err
				}
				continue
			}
			cur.FirstChangeUnixNano = max(cur.GetFirstChangeUnixNano(), readAt.UnixNano())
			cur.NextAttemptUnix, cur.Failures = 0, 0
			if err := putRecord(b, key, cur); err != nil {
				return err
			}
		}
		return nil
	})
}

// Failed records a failed attempt on each record and makes recs[i] due again at
// next[i] (rounded up to the second).
func (o *AvailabilityOutbox) Failed(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt, next []time.Time) error {
	return o.failures(ctx, recs, a, func(tx *bolt.Tx, i int, key []byte, cur *bsv1.AvailabilityRecord) error {
		cur.NextAttemptUnix = ceilUnix(next[i])
		return putRecord(tx.Bucket(bucketRTU), key, cur)
	})
}

// Dead records the final failed attempt and moves the records to the dead letters.
// A later change of the same window writes a new pending record.
func (o *AvailabilityOutbox) Dead(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt) error {
	return o.failures(ctx, recs, a, func(tx *bolt.Tx, _ int, key []byte, cur *bsv1.AvailabilityRecord) error {
		cur.State, cur.NextAttemptUnix = bsv1.OutboxState_OUTBOX_STATE_DEAD, 0
		if err := putRecord(tx.Bucket(bucketRTUDead), key, cur); err != nil {
			return err
		}
		return tx.Bucket(bucketRTU).Delete(key)
	})
}

// failures adds failed attempt a to each record still pending (a record delivered or
// dead meanwhile is skipped) and lets store put recs[i] where it now belongs.
func (o *AvailabilityOutbox) failures(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt,
	store func(tx *bolt.Tx, i int, key []byte, cur *bsv1.AvailabilityRecord) error) error {
	return o.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRTU)
		for i, sent := range recs {
			key := recordKey(sent)
			cur, err := getAvailabilityRecord(b, key)
			if err != nil || cur == nil {
				continue
			}
			cur.Attempts = append(cur.Attempts, attemptNumbered(a, len(cur.GetAttempts())))
			cur.Failures++
			if err := store(tx, i, key, cur); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordKey is the key of a record's window.
func recordKey(r *bsv1.AvailabilityRecord) []byte {
	return rtuKey(r.GetMerchantId(), r.GetServiceId(), r.GetStartSec(), r.GetEndSec())
}

// getAvailabilityRecord reads a record, nil when there is none.
func getAvailabilityRecord(b *bolt.Bucket, key []byte) (*bsv1.AvailabilityRecord, error) {
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	rec := &bsv1.AvailabilityRecord{}
	if err := unmarshal(v, rec); err != nil {
		return nil, fmt.Errorf("rtu record %x: %w", key, err)
	}
	return rec, nil
}

// attemptNumbered is a copy of a numbered after the record's earlier attempts.
func attemptNumbered(a *bsv1.Attempt, earlier int) *bsv1.Attempt {
	return &bsv1.Attempt{AtUnix: a.GetAtUnix(), Attempt: int32(earlier + 1), Error: a.GetError(), HttpStatus: a.GetHttpStatus()}
}

// PurgePastRTU deletes the windows, pending or dead, whose end is at or before
// before, and returns how many: Google shows no past availability, so they need not
// be sent; without --google-credentials nothing else would remove them. A window's
// end is the last 8 bytes of its key.
func (s *Store) PurgePastRTU(before time.Time) (int, error) {
	n := 0
	err := s.commits.update(func(tx *bolt.Tx) error {
		n = 0
		for _, name := range [][]byte{bucketRTU, bucketRTUDead} {
			b := tx.Bucket(name)
			var doomed [][]byte
			if err := b.ForEach(func(k, _ []byte) error {
				if len(k) >= 8 && int64(binary.BigEndian.Uint64(k[len(k)-8:])) <= before.Unix() {
					doomed = append(doomed, bytes.Clone(k))
				}
				return nil
			}); err != nil {
				return err
			}
			for _, k := range doomed {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(doomed)
		}
		return nil
	})
	return n, err
}
