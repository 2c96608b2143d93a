package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Reconcile checks the invariant that every slot starting at or after from has a
// live-booking count equal to the number of live bookings holding its key, and
// repairs any difference (in one transaction). Bookings and counts change in the same
// transaction, so after any crash the count is already right; Reconcile runs at
// start-up as a cheap proof of it, and tests use it (from the zero time: every slot)
// as their invariant check. The merchant index and the slot keys are ordered by start,
// so the check reads the slots from from on, not the whole history: serve checks
// the slots that can still be booked. It returns the number of counts it had to fix.
func (s *Store) Reconcile(from time.Time) (fixed int, err error) {
	defer recoverDamaged(s.Path(), &err)
	fromSec := from.Unix()
	err = s.db.Update(func(tx *bolt.Tx) error {
		fixed = 0
		want := map[string]int64{}
		bookings := tx.Bucket(bucketBookings)
		err := eachInWindow(tx.Bucket(bucketMerchantBookings), 1, fromSec, math.MaxInt64, func(_ int64, _, id []byte) error {
			rec := &bsv1.BookingRecord{}
			if err := getRecord(bookings, id, rec); err != nil {
				return fmt.Errorf("booking %q: %w", id, err)
			}
			if booking.HoldsSpot(rec.GetBooking().GetStatus()) && len(rec.GetSlotKey()) > 0 {
				want[string(rec.GetSlotKey())]++
			}
			return nil
		})
		if err != nil {
			return err
		}
		counts := tx.Bucket(bucketSlotBooked)
		var stale [][]byte
		err = eachInWindow(counts, 2, fromSec, math.MaxInt64, func(_ int64, k, _ []byte) error {
			if _, ok := want[string(k)]; !ok {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			slog.Warn("reconcile: slot count without live bookings removed", "slot_key", fmt.Sprintf("%x", k), "count", booked(counts, k))
			fixed++
			if err := counts.Delete(k); err != nil {
				return err
			}
		}
		for k, n := range want {
			if got := booked(counts, []byte(k)); got != n {
				slog.Warn("reconcile: slot count repaired", "slot_key", fmt.Sprintf("%x", k), "count", got, "live_bookings", n)
				fixed++
				if err := counts.Put([]byte(k), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return fixed, err
}
