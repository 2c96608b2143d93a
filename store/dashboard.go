package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The dashboard's reads of the catalog and its feed-load history (ui.Catalog and
// ui.FeedLog) over bbolt; Postgres has the same in pgdashboard.go.

// feedLoadsKept is how many feed loads are kept per merchant.
const feedLoadsKept = 20

// MerchantServices returns the merchant's services in id order.
func (s *Store) MerchantServices(ctx context.Context, merchantID string) ([]*acv3.Service, error) {
	var out []*acv3.Service
	err := s.db.View(func(tx *bolt.Tx) error {
		out = nil
		prefix := serviceKey(merchantID, "")
		c := tx.Bucket(bucketServices).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			svc := &acv3.Service{}
			if err := unmarshal(v, svc); err != nil {
				return fmt.Errorf("service %q: %w", k, err)
			}
			out = append(out, svc)
		}
		return ctx.Err()
	})
	return out, err
}

// MerchantSlots calls fn with every slot of the merchant's services that starts in
// [fromSec, toSec), service by service in id order and by start within each (a key
// range per service), with its live bookings; fn returns false to stop.
func (s *Store) MerchantSlots(ctx context.Context, merchantID string, fromSec, toSec int64, fn func(serviceID string, slot booking.Slot) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		prefix := serviceKey(merchantID, "")
		counts := tx.Bucket(bucketSlotBooked)
		sc, slots := tx.Bucket(bucketServices).Cursor(), tx.Bucket(bucketSlots).Cursor()
		for k, _ := sc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = sc.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			serviceID := string(k[len(prefix):])
			end := feeds.SlotPrefix(merchantID, serviceID, toSec)
			for sk, v := slots.Seek(feeds.SlotPrefix(merchantID, serviceID, fromSec)); sk != nil && bytes.Compare(sk, end) < 0; sk, v = slots.Next() {
				rec := &bsv1.SlotRecord{}
				if err := unmarshal(v, rec); err != nil {
					return fmt.Errorf("slot %x: %w", sk, err)
				}
				if !fn(serviceID, booking.Slot{Key: bytes.Clone(sk), Availability: rec.GetAvailability(), Booked: booked(counts, sk)}) {
					return nil
				}
			}
		}
		return nil
	})
}

// feedLoadKey is merchant_id 0x00 at_unix_nano(8).
func feedLoadKey(merchantID string, atUnixNano int64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(merchantID), 0), uint64(atUnixNano))
}

// PutFeedLoad records one feed load of the merchant ("" for the admin's) and forgets
// all but the last feedLoadsKept.
func (s *Store) PutFeedLoad(_ context.Context, merchantID string, rec *bsv1.FeedLoadRecord) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeedLoads)
		if err := putRecord(b, feedLoadKey(merchantID, rec.GetAtUnixNano()), rec); err != nil {
			return fmt.Errorf("feed load: %w", err)
		}
		prefix := append([]byte(merchantID), 0)
		c := b.Cursor()
		var old [][]byte
		n := 0
		for k, _ := lastAtMost(c, feedLoadKey(merchantID, -1)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
			if n++; n > feedLoadsKept {
				old = append(old, bytes.Clone(k))
			}
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// FeedLoads returns the merchant's last feed loads, newest first.
func (s *Store) FeedLoads(_ context.Context, merchantID string) ([]*bsv1.FeedLoadRecord, error) {
	var out []*bsv1.FeedLoadRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		out = nil
		prefix := append([]byte(merchantID), 0)
		c := tx.Bucket(bucketFeedLoads).Cursor()
		for k, v := lastAtMost(c, feedLoadKey(merchantID, -1)); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			rec := &bsv1.FeedLoadRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("feed load %x: %w", k, err)
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

// lastAtMost moves c to the last key at or before key.
func lastAtMost(c *bolt.Cursor, key []byte) ([]byte, []byte) {
	k, v := c.Seek(key)
	switch {
	case k == nil:
		return c.Last()
	case !bytes.Equal(k, key):
		return c.Prev()
	}
	return k, v
}
