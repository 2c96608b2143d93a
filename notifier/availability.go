package notifier

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Limits of the availability worker. Google documents a quota of 2,500 Maps Booking
// API requests per 100 s (25 per second on average; over it, 429 RESOURCE_EXHAUSTED,
// to be retried with backoff: developers.google.com/maps-booking/guides/
// partner-implementing-api, "API quotas"), and no cap on the entries of one
// availability:replace call that we could find; so our caps are our own, chosen to
// keep a call small (a few hundred kB) and a round under the quota.
const (
	// DefaultMaxEntriesPerCall caps the extendedServiceAvailability entries of one call.
	DefaultMaxEntriesPerCall = 100
	// DefaultMaxCallsPerRound caps the calls of one round (one round a second at
	// most): 20 calls/s stays under the quota's 25/s average.
	DefaultMaxCallsPerRound = 20
	// DefaultMinRoundInterval spaces rounds: a service is in at most one call per
	// interval, and changes to one window within it are coalesced into one entry.
	DefaultMinRoundInterval = time.Second
)

// AvailabilityOutbox is the availability RTU queue the worker drains
// (implemented by store.AvailabilityOutbox; written by booking.Tx.SpotsChanged and
// the feed loads).
type AvailabilityOutbox interface {
	// Due returns up to limit pending records due at now with their windows' current
	// slots, read in one snapshot, a service's windows adjacent.
	Due(ctx context.Context, now time.Time, limit int) ([]booking.AvailabilityUpdate, error)
	// Delivered removes the records Google accepted, unless a change came after
	// readAt (their revision moved on): those stay due.
	Delivered(ctx context.Context, recs []*bsv1.AvailabilityRecord, readAt time.Time) error
	// Failed records a failed attempt and makes recs[i] due again at next[i].
	Failed(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt, next []time.Time) error
	// Dead records the last failed attempt and moves the records to the dead letters.
	Dead(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt) error
	// Counts returns the number of pending and dead records.
	Counts(ctx context.Context) (pending, dead int, err error)
	// Wake receives a value when records were written or retried.
	Wake() <-chan struct{}
}

// AvailabilityConfig configures an AvailabilityWorker. Client, PartnerID, BaseURL,
// Policy, MaxAttempts, AttemptTimeout, Now and Logger mean what they mean in Config,
// and serve passes the same values: one OAuth2 client, one retry policy.
type AvailabilityConfig struct {
	Outbox         AvailabilityOutbox
	Client         *http.Client
	PartnerID      string
	BaseURL        string
	Policy         RetryPolicy
	MaxAttempts    int
	AttemptTimeout time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
	// MaxEntriesPerCall, MaxCallsPerRound, MinRoundInterval: defaults above.
	MaxEntriesPerCall int
	MaxCallsPerRound  int
	MinRoundInterval  time.Duration
}

// AvailabilityWorker sends availability RTUs: each round takes the due windows, reads
// what is open in them now, and sends them in availability:replace calls, a service's
// windows in one call; Decide judges each call as it judges a booking notification.
type AvailabilityWorker struct {
	cfg     AvailabilityConfig
	metrics metrics
	// calls and entries count calls sent and entries carried (any outcome).
	mu             sync.Mutex
	calls, entries uint64
}

// NewAvailabilityWorker checks cfg and fills its defaults.
func NewAvailabilityWorker(cfg AvailabilityConfig) (*AvailabilityWorker, error) {
	if cfg.Outbox == nil || cfg.Client == nil {
		return nil, errors.New("notifier: Outbox and Client are required")
	}
	b, err := defaults(Config{Client: cfg.Client, PartnerID: cfg.PartnerID, BaseURL: cfg.BaseURL,
		Policy: cfg.Policy, MaxAttempts: cfg.MaxAttempts, AttemptTimeout: cfg.AttemptTimeout, Now: cfg.Now, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	cfg.BaseURL, cfg.Policy, cfg.MaxAttempts, cfg.AttemptTimeout, cfg.Now, cfg.Logger =
		b.BaseURL, b.Policy, b.MaxAttempts, b.AttemptTimeout, b.Now, b.Logger
	if cfg.MaxEntriesPerCall <= 0 {
		cfg.MaxEntriesPerCall = DefaultMaxEntriesPerCall
	}
	if cfg.MaxCallsPerRound <= 0 {
		cfg.MaxCallsPerRound = DefaultMaxCallsPerRound
	}
	if cfg.MinRoundInterval <= 0 {
		cfg.MinRoundInterval = DefaultMinRoundInterval
	}
	return &AvailabilityWorker{cfg: cfg}, nil
}

// AvailabilityStats is Stats plus the batching figures.
type AvailabilityStats struct {
	Stats
	// Calls is the number of availability:replace calls sent, Entries the windows
	// they carried (Entries/Calls is the batching).
	Calls, Entries uint64
}

// Stats returns a snapshot of the metrics.
func (w *AvailabilityWorker) Stats() AvailabilityStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return AvailabilityStats{Stats: w.metrics.snapshot(), Calls: w.calls, Entries: w.entries}
}

// Start runs the worker until stop is called (or ctx ends); stop waits for the call
// in flight.
func (w *AvailabilityWorker) Start(ctx context.Context) (stop func()) { return start(ctx, w.Run) }

// Run sends rounds until ctx ends: when woken by a change or every MinRoundInterval,
// never two rounds closer than MinRoundInterval.
func (w *AvailabilityWorker) Run(ctx context.Context) {
	rounds(ctx, w.cfg.MinRoundInterval, w.cfg.Outbox.Wake(), w.Round, w.cfg.Logger, "availability")
}

// rounds runs round until ctx ends: at once, then when woken or every interval,
// never two rounds closer than interval (changes meanwhile coalesce into the next).
// Store errors are logged and the next round tries again.
func rounds(ctx context.Context, interval time.Duration, wake <-chan struct{}, round func(context.Context) error, log *slog.Logger, what string) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		started := time.Now()
		if err := round(ctx); err != nil && ctx.Err() == nil {
			log.Error("notifier: "+what+" round", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
		if wait := interval - time.Since(started); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}

// Round sends what is due now (up to MaxCallsPerRound calls) and refreshes the queue
// sizes in Stats; the error is the store's.
func (w *AvailabilityWorker) Round(ctx context.Context) error {
	readAt := w.cfg.Now()
	due, err := w.cfg.Outbox.Due(ctx, readAt, w.cfg.MaxEntriesPerCall*w.cfg.MaxCallsPerRound)
	if err != nil {
		return err
	}
	for _, call := range splitCalls(due, w.cfg.MaxEntriesPerCall) {
		if err := w.send(ctx, call, readAt); err != nil {
			return err
		}
	}
	pending, dead, err := w.cfg.Outbox.Counts(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	w.metrics.sizes(pending, dead)
	return ctx.Err()
}

// splitCalls cuts updates (a service's windows adjacent) into calls of at most max
// entries, never splitting a service's windows unless they alone exceed max.
func splitCalls(updates []booking.AvailabilityUpdate, maxEntries int) [][]booking.AvailabilityUpdate {
	var calls [][]booking.AvailabilityUpdate
	var cur []booking.AvailabilityUpdate
	for i := 0; i < len(updates); {
		j := i + 1
		for j < len(updates) && sameService(updates[i], updates[j]) {
			j++
		}
		group := updates[i:j]
		if len(cur) > 0 && len(cur)+len(group) > maxEntries {
			calls, cur = append(calls, cur), nil
		}
		for len(group) > maxEntries {
			calls, group = append(calls, group[:maxEntries]), group[maxEntries:]
		}
		cur = append(cur, group...)
		i = j
	}
	if len(cur) > 0 {
		calls = append(calls, cur)
	}
	return calls
}

func sameService(a, b booking.AvailabilityUpdate) bool {
	return a.Record.GetMerchantId() == b.Record.GetMerchantId() && a.Record.GetServiceId() == b.Record.GetServiceId()
}

// send makes one call and records its outcome for each of its records.
func (w *AvailabilityWorker) send(ctx context.Context, call []booking.AvailabilityUpdate, readAt time.Time) error {
	recs := make([]*bsv1.AvailabilityRecord, len(call))
	for i, u := range call {
		recs[i] = u.Record
	}
	actx, cancel := context.WithTimeout(ctx, w.cfg.AttemptTimeout)
	req, sendErr := newReplaceRequest(actx, w.cfg.BaseURL, w.cfg.PartnerID, call)
	if sendErr == nil {
		sendErr = do(w.cfg.Client, req)
	}
	cancel()
	w.mu.Lock()
	w.calls++
	w.entries += uint64(len(call))
	w.mu.Unlock()
	if sendErr != nil && ctx.Err() != nil {
		return ctx.Err() // shutting down: the records stay due
	}
	sctx := context.WithoutCancel(ctx)
	if sendErr == nil {
		if err := w.cfg.Outbox.Delivered(sctx, recs, readAt); err != nil {
			return err
		}
		now := time.Now()
		for _, r := range recs {
			w.metrics.delivered(now.Sub(time.Unix(0, r.GetFirstChangeUnixNano())))
		}
		return nil
	}
	a := &bsv1.Attempt{AtUnix: w.cfg.Now().Unix(), Error: sendErr.Error(), HttpStatus: int32(httpStatus(sendErr))}
	var retry, dead []*bsv1.AvailabilityRecord
	var next []time.Time
	for _, r := range recs {
		out := Decide(sendErr, int(r.GetFailures()), w.cfg.MaxAttempts, w.cfg.Policy)
		if out.Kind == Retry {
			retry, next = append(retry, r), append(next, out.Next)
			w.metrics.retried()
		} else {
			dead = append(dead, r)
			w.metrics.dead()
		}
	}
	w.cfg.Logger.Warn("notifier: availability replace failed", "entries", len(recs), "retry", len(retry),
		"dead", len(dead), "http_status", a.GetHttpStatus(), "err", sendErr)
	if len(retry) > 0 {
		if err := w.cfg.Outbox.Failed(sctx, retry, a, next); err != nil {
			return err
		}
	}
	if len(dead) > 0 {
		w.cfg.Logger.Error("notifier: availability RTUs dead-lettered", "entries", len(dead),
			"hint", "fix the cause, then `bookingserver notify retry --all-dead`")
		return w.cfg.Outbox.Dead(sctx, dead, a)
	}
	return nil
}
