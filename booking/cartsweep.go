package booking

import (
	"context"
	"log/slog"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// ExpireCarts cancels every unpaid cart booking whose deadline has passed (by the
// Service's clock) and frees its spot, each in its own transaction; the booking keeps
// cart.expired so that a late payment can re-take the spot. The deadline is stored on
// the record and indexed, so what was due while the server was down is settled by the
// first sweep after start. It returns how many it cancelled.
func (s *Service) ExpireCarts(ctx context.Context) (int, error) {
	now := s.now().Unix()
	var due []string
	err := s.store.View(ctx, func(tx ReadTx) error {
		return tx.CartHolds(now, func(r *bsv1.BookingRecord) bool {
			due = append(due, r.GetBooking().GetBookingId())
			return true
		})
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range due {
		expired, err := s.expireCart(ctx, id, now)
		if err != nil {
			return n, err
		}
		if expired {
			n++
		}
	}
	return n, nil
}

// expireCart cancels one booking if it is still an unpaid live cart hold due at now.
func (s *Service) expireCart(ctx context.Context, id string, now int64) (bool, error) {
	unlock := s.bookings.Lock(id)
	defer unlock()
	expired := false
	err := s.store.Update(ctx, func(tx Tx) error {
		expired = false
		rec, err := tx.Booking(id)
		if err != nil {
			return err
		}
		p := rec.GetPayment()
		if p.GetState() != bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART || !HoldsSpot(rec.GetBooking().GetStatus()) || p.GetCart().GetExpiresUnix() > now {
			return nil // paid or cancelled meanwhile
		}
		p.GetCart().Expired, expired = true, true
		return s.expireHold(tx, rec)
	})
	return expired, err
}

// expireHold cancels a hold whose deadline passed and frees its spot; money already
// collected for it (a split tender's gift cards) is flagged refund_due.
func (s *Service) expireHold(tx Tx, rec *bsv1.BookingRecord) error {
	if rec.GetPayment().GetCapturedMicros() > 0 {
		rec.GetPayment().GetCart().RefundDue = true
	}
	return s.release(tx, rec, acv3.BookingStatus_CANCELED)
}

// SweepCarts runs ExpireCarts at once (settling what fell due while the server was
// down) and then every interval until ctx is done. Run it in a goroutine and cancel
// ctx to stop it; it returns when stopped.
func (s *Service) SweepCarts(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.ExpireCarts(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "cart sweeper", "err", err)
		} else if n > 0 {
			slog.InfoContext(ctx, "unpaid cart bookings cancelled", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
