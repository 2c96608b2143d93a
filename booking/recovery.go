package booking

import (
	"context"
	"log/slog"
	"time"
)

// RecoverPeriodically settles, every interval until ctx is done, what a crash, a
// timeout or a lost answer left unsettled: payments still PENDING (Recover) and
// refunds still pending for at least one interval (ResolvePendingRefunds). A charge
// whose confirm could not be written, or a refund whose answer was lost, is thus
// recorded without waiting for a restart. Run it in a goroutine; it returns when ctx
// is done.
func (s *Service) RecoverPeriodically(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.Recover(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "recovery: pending payments", "err", err)
		} else if n > 0 {
			slog.InfoContext(ctx, "recovery: pending payments settled", "bookings", n)
		}
		if left, err := s.ResolvePendingRefunds(ctx, int64(interval/time.Second)); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, "recovery: pending refunds", "err", err)
		} else if left > 0 {
			slog.WarnContext(ctx, "recovery: refunds still pending", "bookings", left)
		}
	}
}
