package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bookingserver/bookingserver/store"
)

// reconcileLookback is how far back serve's start-up check of slot counts reaches:
// the slots that can still be booked or are under way. Older slots' counts are never
// read again, and checking them would read the whole history at every start.
const reconcileLookback = 7 * 24 * time.Hour

// retentionConfig is --retention: how long a booking's customer data outlives its slot.
type retentionConfig struct {
	customerData time.Duration
}

func (c *retentionConfig) register(fs *flag.FlagSet) {
	c.customerData = 400 * 24 * time.Hour
	fs.Var((*days)(&c.customerData), "retention",
		"erase the customer data (name, email, telephone, address, note) of bookings whose slot ended longer ago than this; amounts and the ledger stay (days as 400d, or a duration as 36h)")
}

// days is a duration flag that also takes whole days ("400d"), the unit retention
// periods are set in, and prints whole days that way.
type days time.Duration

func (d *days) String() string {
	if v := time.Duration(*d); v > 0 && v%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(v/(24*time.Hour)), 10) + "d"
	}
	return time.Duration(*d).String()
}

func (d *days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.ParseUint(n, 10, 16)
		if err != nil {
			return fmt.Errorf("%q is not a whole number of days (like 400d)", s)
		}
		*d = days(time.Duration(v) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is neither days (like 400d) nor a duration (like 36h)", s)
	}
	*d = days(v)
	return nil
}

func (c retentionConfig) check() error {
	if c.customerData < 24*time.Hour {
		return usageError("--retention must be at least 24h")
	}
	return nil
}

// pastRTURetention is how long after its end an availability RTU window may still
// be sent: an hour, so that a slot under way is not cut short.
const pastRTURetention = time.Hour

// startRetention runs the retention sweep at start and then hourly; the returned
// function stops it (call before closing the store).
func startRetention(ctx context.Context, st store.Backend, cfg retentionConfig) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Hour)
		defer tick.Stop()
		for {
			sweep(st, cfg, time.Now())
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// sweep purges what is past its retention at now: CreateBooking answers
// (store.IdempotencyRetention), applied webhooks (store.WebhookEventRetention), the
// customer data and delivered notifications of bookings whose slot ended more than
// cfg.customerData ago, and availability RTU windows that ended more than
// pastRTURetention ago. Each part logs what it removed; a failing part does not stop
// the others.
func sweep(st store.Backend, cfg retentionConfig, now time.Time) {
	for _, p := range []struct {
		what      string
		retention time.Duration
		purge     func(time.Time) (int, error)
	}{
		{"idempotency records", store.IdempotencyRetention, st.PurgeIdempotency},
		{"webhook events", store.WebhookEventRetention, st.PurgeWebhookEvents},
		{"booking customer data", cfg.customerData, st.EraseCustomerData},
		{"availability RTU windows", pastRTURetention, st.PurgePastRTU},
	} {
		n, err := p.purge(now.Add(-p.retention))
		switch {
		case err != nil && !errors.Is(err, context.Canceled):
			slog.Error("retention: "+p.what, "err", err)
		case n > 0:
			slog.Info("retention: "+p.what+" past retention removed", "count", n, "retention", p.retention.String())
		}
	}
}
