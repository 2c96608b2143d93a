package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bookingserver/bookingserver/store"
)

// startRetention purges expired idempotency records at start and then hourly; the
// returned function stops it (call before closing the store).
func startRetention(ctx context.Context, st store.Backend) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Hour)
		defer tick.Stop()
		for {
			n, err := st.PurgeIdempotency(time.Now().Add(-store.IdempotencyRetention))
			if err != nil {
				slog.Error("idempotency retention", "err", err)
			} else if n > 0 {
				slog.Info("idempotency records past retention purged", "records", n, "retention", store.IdempotencyRetention.String())
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}
