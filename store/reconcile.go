package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Reconcile checks the invariant that every slot's live-booking count equals the number
// of live bookings holding its key, and repairs any difference (in one transaction).
// Bookings and counts change in the same transaction, so after any crash the
// count is already right; Reconcile runs at start-up as a cheap proof of it, and tests
// use it as their invariant check. It returns the number of counts it had to fix.
func (s *Store) Reconcile() (fixed int, err error) {
	defer recoverDamaged(s.Path(), &err)
	err = s.db.Update(func(tx *bolt.Tx) error {
		fixed = 0
		want := map[string]int64{}
		err := tx.Bucket(bucketBookings).ForEach(func(k, v []byte) error {
			rec := &bsv1.BookingRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("booking %q: %w", k, err)
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
		err = counts.ForEach(func(k, _ []byte) error {
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
