package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// View implements booking.Store.
func (s *Store) View(ctx context.Context, fn func(booking.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error { return fn(&viewTxn{txn: txn{tx}}) })
}

// Update implements booking.Store with group commit: concurrent callers share one
// fsync, and each returns only once its changes are durable.
func (s *Store) Update(ctx context.Context, fn func(booking.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.commits.update(func(tx *bolt.Tx) error { return fn(txn{tx}) })
}

// txn implements booking.Tx over one bbolt transaction.
type txn struct{ tx *bolt.Tx }

func (t txn) Merchant(merchantID string) (*acv3.Merchant, error) {
	m := &acv3.Merchant{}
	return m, getRecord(t.tx.Bucket(bucketMerchants), []byte(merchantID), m)
}

func (t txn) Service(merchantID, serviceID string) (*acv3.Service, error) {
	s := &acv3.Service{}
	return s, getRecord(t.tx.Bucket(bucketServices), serviceKey(merchantID, serviceID), s)
}

func (t txn) Slots(merchantID, serviceID string, startSec, durationSec int64, fn func(booking.Slot) bool) error {
	return scanSlots(t.tx.Bucket(bucketSlots), t.tx.Bucket(bucketSlotBooked),
		slotScanPrefix(merchantID, serviceID, startSec, durationSec), fn)
}

func (t txn) Booking(bookingID string) (*bsv1.BookingRecord, error) {
	r := &bsv1.BookingRecord{}
	return r, getRecord(t.tx.Bucket(bucketBookings), []byte(bookingID), r)
}

func (t txn) Idempotency(token string) (*bsv1.IdempotencyRecord, error) {
	r := &bsv1.IdempotencyRecord{}
	return r, getRecord(t.tx.Bucket(bucketIdempotency), []byte(token), r)
}

// userIndexKey orders a user's bookings by creation: user_id 0x00 created(8) booking_id.
func userIndexKey(r *bsv1.BookingRecord) []byte {
	k := append([]byte(r.GetBooking().GetUserInformation().GetUserId()), 0)
	k = binary.BigEndian.AppendUint64(k, uint64(r.GetCreatedUnix()))
	return append(k, r.GetBooking().GetBookingId()...)
}

func (t txn) BookingsByUser(userID string, fn func(*bsv1.BookingRecord) bool) error {
	return t.userBookings(userID, func(id, raw []byte) (bool, error) {
		rec := &bsv1.BookingRecord{}
		if err := unmarshal(raw, rec); err != nil {
			return false, fmt.Errorf("record %q: %w", id, err)
		}
		return fn(rec), nil
	})
}

// UserHoldsSlot implements booking.ReadTx with a walk of the user's index, as
// BookingsByUser does (in-process, on memory-mapped pages), that decodes only the
// records that can be of the slot: a stored record holds its slot_key verbatim (a
// protobuf bytes field), so one that does not contain slotKey is of another slot.
func (t txn) UserHoldsSlot(userID string, slotKey []byte) (bool, error) {
	held := false
	err := t.userBookings(userID, func(id, raw []byte) (bool, error) {
		if !bytes.Contains(raw, slotKey) {
			return true, nil
		}
		rec := &bsv1.BookingRecord{}
		if err := unmarshal(raw, rec); err != nil {
			return false, fmt.Errorf("record %q: %w", id, err)
		}
		held = booking.HoldsSpot(rec.GetBooking().GetStatus()) && bytes.Equal(rec.GetSlotKey(), slotKey)
		return !held, nil
	})
	return held, err
}

// userBookings calls fn with the id and the stored record of each of the user's
// bookings, newest first, until fn returns false or an error. Both are bbolt's:
// valid only in the transaction, never to be changed.
func (t txn) userBookings(userID string, fn func(id, raw []byte) (bool, error)) error {
	prefix := append([]byte(userID), 0)
	end := append([]byte(userID), 1)
	// One cursor seeks every record: Bucket.Get makes a cursor, and its stack, per call.
	bookings := t.tx.Bucket(bucketBookings).Cursor()
	c := t.tx.Bucket(bucketUserBookings).Cursor()
	k, _ := c.Seek(end)
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && len(k) > len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, _ = c.Prev() {
		id := k[len(prefix)+8:]
		found, raw := bookings.Seek(id)
		if !bytes.Equal(found, id) {
			return fmt.Errorf("user index %q: %w", k, booking.ErrNotFound)
		}
		more, err := fn(id, raw)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func (t txn) PutBooking(rec *bsv1.BookingRecord) error {
	id := rec.GetBooking().GetBookingId()
	if err := putRecord(t.tx.Bucket(bucketBookings), []byte(id), rec); err != nil {
		return fmt.Errorf("booking %q: %w", id, err)
	}
	// The index key depends only on fields that never change, so a put is idempotent.
	if err := t.tx.Bucket(bucketUserBookings).Put(userIndexKey(rec), nil); err != nil {
		return err
	}
	if err := indexCart(t.tx, rec); err != nil {
		return err
	}
	if err := indexMerchant(t.tx, rec); err != nil {
		return err
	}
	if err := index(t.tx.Bucket(bucketPendingRefunds), id, len(rec.GetPayment().GetPendingRefunds()) > 0); err != nil {
		return err
	}
	return index(t.tx.Bucket(bucketPendingPayments), id, rec.GetPayment().GetState() == bsv1.PaymentState_PAYMENT_STATE_PENDING)
}

// index puts id in the index bucket b when in is true, else deletes it.
func index(b *bolt.Bucket, id string, in bool) error {
	if in {
		return b.Put([]byte(id), nil)
	}
	return b.Delete([]byte(id))
}

func (t txn) AddBooked(slotKey []byte, delta int64) error {
	return addBooked(t.tx.Bucket(bucketSlotBooked), slotKey, delta)
}

func (t txn) DeleteIdempotency(token string) error {
	return t.tx.Bucket(bucketIdempotency).Delete([]byte(token))
}

func (t txn) DeleteBooking(rec *bsv1.BookingRecord) error {
	if err := t.tx.Bucket(bucketBookings).Delete([]byte(rec.GetBooking().GetBookingId())); err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketPendingPayments).Delete([]byte(rec.GetBooking().GetBookingId())); err != nil {
		return err
	}
	if err := unindexMerchant(t.tx, rec); err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketPendingRefunds).Delete([]byte(rec.GetBooking().GetBookingId())); err != nil {
		return err
	}
	return t.tx.Bucket(bucketUserBookings).Delete(userIndexKey(rec))
}

func (t txn) PutIdempotency(token string, rec *bsv1.IdempotencyRecord) error {
	return putRecord(t.tx.Bucket(bucketIdempotency), []byte(token), rec)
}

func (t txn) Enqueue(n *bsv1.Notification) error {
	return enqueue(t.tx, n)
}

// getRecord decodes the protobuf stored under key, or returns booking.ErrNotFound.
func getRecord(b *bolt.Bucket, key []byte, m proto.Message) error {
	raw := b.Get(key)
	if raw == nil {
		return booking.ErrNotFound
	}
	if err := unmarshal(raw, m); err != nil {
		return fmt.Errorf("record %q: %w", key, err)
	}
	return nil
}

func unmarshal(raw []byte, m proto.Message) error {
	if err := unmarshalStored(raw, m); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// putRecord encodes m under key.
func putRecord(b *bolt.Bucket, key []byte, m proto.Message) error {
	raw, err := marshal(m)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, raw)
}
