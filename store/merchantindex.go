package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The merchant index lists a merchant's bookings by slot start, for the dashboard's
// bookings pages: a day, a week or "upcoming" is one key range, so a page costs the
// bookings on it, not the merchant's whole history.

// merchantIndexKey is merchant_id 0x00 start_sec(8) booking_id.
func merchantIndexKey(merchantID string, startSec int64, bookingID string) []byte {
	k := binary.BigEndian.AppendUint64(append([]byte(merchantID), 0), uint64(startSec))
	return append(k, bookingID...)
}

// indexMerchant keeps rec's merchant index entry in step with its slot start (a
// reschedule moves it), in tx. bucketBookingStarts remembers the indexed start, so
// the old entry is found without decoding the previous record.
func indexMerchant(tx *bolt.Tx, rec *bsv1.BookingRecord) error {
	b := rec.GetBooking()
	id, merchant, start := b.GetBookingId(), b.GetSlot().GetMerchantId(), b.GetSlot().GetStartSec()
	starts, index := tx.Bucket(bucketBookingStarts), tx.Bucket(bucketMerchantBookings)
	if old := starts.Get([]byte(id)); old != nil {
		if int64(binary.BigEndian.Uint64(old)) == start {
			return nil
		}
		if err := index.Delete(merchantIndexKey(merchant, int64(binary.BigEndian.Uint64(old)), id)); err != nil {
			return err
		}
	}
	if err := starts.Put([]byte(id), binary.BigEndian.AppendUint64(nil, uint64(start))); err != nil {
		return err
	}
	return index.Put(merchantIndexKey(merchant, start, id), nil)
}

// unindexMerchant removes rec's merchant index entry (the booking never came to be).
func unindexMerchant(tx *bolt.Tx, rec *bsv1.BookingRecord) error {
	b := rec.GetBooking()
	starts := tx.Bucket(bucketBookingStarts)
	if old := starts.Get([]byte(b.GetBookingId())); old != nil {
		if err := tx.Bucket(bucketMerchantBookings).Delete(merchantIndexKey(b.GetSlot().GetMerchantId(), int64(binary.BigEndian.Uint64(old)), b.GetBookingId())); err != nil {
			return err
		}
	}
	return starts.Delete([]byte(b.GetBookingId()))
}

// indexMerchantBookings is the migration that creates the merchant index and fills it
// from the bookings already stored.
func indexMerchantBookings(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketMerchantBookings, bucketBookingStarts} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return tx.Bucket(bucketBookings).ForEach(func(k, v []byte) error {
		rec := &bsv1.BookingRecord{}
		if err := unmarshal(v, rec); err != nil {
			return fmt.Errorf("booking %q: %w", k, err)
		}
		return indexMerchant(tx, rec)
	})
}

// MerchantBookings calls fn with the merchant's bookings whose slot starts in
// [fromSec, toSec), in start order (newest first when desc), resuming after cursor
// (a value a previous call passed to fn, valid only during that call: copy it to
// keep it; empty starts at the range's edge). fn returns false to stop. It
// implements ui.BookingIndex.
func (s *Store) MerchantBookings(ctx context.Context, merchantID string, fromSec, toSec int64, desc bool, cursor []byte,
	fn func(rec *bsv1.BookingRecord, cursor []byte) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	lo, hi := merchantIndexKey(merchantID, fromSec, ""), merchantIndexKey(merchantID, toSec, "")
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMerchantBookings).Cursor()
		bookings := tx.Bucket(bucketBookings)
		var k []byte
		switch {
		case len(cursor) > 0 && !desc:
			if k, _ = c.Seek(cursor); bytes.Equal(k, cursor) {
				k, _ = c.Next()
			}
		case len(cursor) > 0:
			c.Seek(cursor)
			k, _ = c.Prev()
		case !desc:
			k, _ = c.Seek(lo)
		default:
			if k, _ = c.Seek(hi); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		for ; k != nil && bytes.Compare(k, lo) >= 0 && bytes.Compare(k, hi) < 0; k = step(c, desc) {
			rec := &bsv1.BookingRecord{}
			if err := getRecord(bookings, k[len(lo):], rec); err != nil {
				return fmt.Errorf("merchant index %q: %w", k, err)
			}
			if !fn(rec, k) {
				return nil
			}
		}
		return nil
	})
}

// step moves c one key forwards, or backwards when desc.
func step(c *bolt.Cursor, desc bool) []byte {
	if desc {
		k, _ := c.Prev()
		return k
	}
	k, _ := c.Next()
	return k
}
