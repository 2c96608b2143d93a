package store

import (
	"bytes"
	"time"

	bolt "go.etcd.io/bbolt"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// IdempotencyRetention is how long a CreateBooking answer stays replayable. Google
// retries within minutes; the issue asks for at least 24 hours; a week is generous.
const IdempotencyRetention = 7 * 24 * time.Hour

// PurgeIdempotency deletes the stored answers of tokens used before before, except the
// records of payments still pending (their booking needs them to settle). It returns
// how many it deleted.
func (s *Store) PurgeIdempotency(before time.Time) (int, error) {
	var doomed [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIdempotency).ForEach(func(k, v []byte) error {
			rec := &bsv1.IdempotencyRecord{}
			if err := unmarshal(v, rec); err != nil {
				return err
			}
			if rec.GetCreatedUnix() < before.Unix() && rec.GetPendingBookingId() == "" {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil || len(doomed) == 0 {
		return 0, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIdempotency)
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return len(doomed), err
}
