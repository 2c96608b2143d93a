package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

func TestPurgeIdempotency(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		now := time.Unix(1_900_000_000, 0)
		err := s.Update(context.Background(), func(tx booking.Tx) error {
			for token, rec := range map[string]*bsv1.IdempotencyRecord{
				"old":         {CreatedUnix: now.Add(-8 * 24 * time.Hour).Unix(), Booking: &acv3.Booking{BookingId: "bk"}},
				"old-pending": {CreatedUnix: now.Add(-8 * 24 * time.Hour).Unix(), PendingBookingId: "bk"},
				"recent":      {CreatedUnix: now.Add(-time.Hour).Unix(), Booking: &acv3.Booking{BookingId: "bk"}},
			} {
				if err := tx.PutIdempotency(token, rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeIdempotency(now.Add(-24 * time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("purged %d (%v), want 1", n, err)
		}
		_ = s.View(context.Background(), func(tx booking.ReadTx) error {
			for token, want := range map[string]bool{"old": false, "old-pending": true, "recent": true} {
				_, err := tx.Idempotency(token)
				if got := !errors.Is(err, booking.ErrNotFound); got != want {
					t.Errorf("%s kept=%v, want %v", token, got, want)
				}
			}
			return nil
		})
	})
}
