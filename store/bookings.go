package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// GetBooking returns the booking record with id, or an error wrapping booking.ErrNotFound.
func (s *Store) GetBooking(_ context.Context, id string) (*bsv1.BookingRecord, error) {
	rec := &bsv1.BookingRecord{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return getRecord(tx.Bucket(bucketBookings), []byte(id), rec)
	})
	if err != nil {
		return nil, fmt.Errorf("booking %q: %w", id, err)
	}
	return rec, nil
}

// getRecord decodes the protobuf stored under key, or returns booking.ErrNotFound.
func getRecord(b *bolt.Bucket, key []byte, m proto.Message) error {
	raw := b.Get(key)
	if raw == nil {
		return booking.ErrNotFound
	}
	if err := proto.Unmarshal(raw, m); err != nil {
		return fmt.Errorf("decode record %q: %w", key, err)
	}
	return nil
}
