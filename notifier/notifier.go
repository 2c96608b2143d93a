package notifier

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Defaults for Config's zero values.
const (
	// DefaultBaseURL is the Maps Booking API.
	DefaultBaseURL = "https://mapsbooking.googleapis.com"
	// DefaultMaxAttempts: with DefaultBackoff, about two hours of trying.
	DefaultMaxAttempts = 20
	// DefaultAttemptTimeout bounds one attempt (token fetch and PATCH).
	DefaultAttemptTimeout = 30 * time.Second
	// DefaultPollInterval is how often the worker looks for records that became due
	// (newly enqueued records wake it at once).
	DefaultPollInterval = time.Second
	// DefaultBatch is how many due records one query returns.
	DefaultBatch = 100
)

// Config configures a Notifier.
type Config struct {
	// Outbox is the queue to drain (required).
	Outbox Outbox
	// Client sends the PATCH; it adds the bearer token (NewHTTPClient). Required.
	Client *http.Client
	// PartnerID is our partner id at Google (required).
	PartnerID string
	// BaseURL is the Maps Booking API's base URL; default DefaultBaseURL.
	BaseURL string
	// Policy schedules retries; default DefaultBackoff() on Now.
	Policy RetryPolicy
	// MaxAttempts dead-letters a record after this many failures; default DefaultMaxAttempts.
	MaxAttempts int
	// AttemptTimeout bounds one attempt; default DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// PollInterval; default DefaultPollInterval.
	PollInterval time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Notifier is the outbox worker.
type Notifier struct {
	cfg     Config
	metrics metrics
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Notifier, error) {
	if cfg.Outbox == nil {
		return nil, errors.New("notifier: Outbox and Client are required")
	}
	cfg, err := defaults(cfg)
	if err != nil {
		return nil, err
	}
	return &Notifier{cfg: cfg}, nil
}

// defaults checks the fields every worker needs (Client, PartnerID) and fills the
// zero ones, so that the three workers agree on the base URL, the retry policy and
// the clock.
func defaults(cfg Config) (Config, error) {
	if cfg.Client == nil {
		return cfg, errors.New("notifier: Outbox and Client are required")
	}
	if cfg.PartnerID == "" {
		return cfg, errors.New("notifier: no partner id")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Policy == nil {
		b := DefaultBackoff()
		b.Now = cfg.Now
		cfg.Policy = b
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}

// Stats returns a snapshot of the metrics.
func (n *Notifier) Stats() Stats { return n.metrics.snapshot() }

// Start runs the worker in a goroutine until stop is called (or ctx ends); stop
// waits for the attempt in flight, if any, to end.
func (n *Notifier) Start(ctx context.Context) (stop func()) { return start(ctx, n.Run) }

// start runs run in a goroutine; stop cancels its context and waits for it to return.
func start(ctx context.Context, run func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { run(ctx) })
	return func() { cancel(); wg.Wait() }
}

// Run drains the outbox until ctx ends: at once, whenever the outbox wakes it, and
// every PollInterval for retries that became due. Store errors are logged and
// retried on the next round.
func (n *Notifier) Run(ctx context.Context) {
	t := time.NewTicker(n.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := n.Drain(ctx); err != nil && ctx.Err() == nil {
			n.cfg.Logger.Error("notifier: drain outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-n.cfg.Outbox.Wake():
		case <-t.C:
		}
	}
}

// Drain delivers every record due now, one attempt each, and refreshes the outbox
// sizes in Stats.
func (n *Notifier) Drain(ctx context.Context) error {
	tried := map[uint64]bool{}
	for ctx.Err() == nil {
		recs, err := n.cfg.Outbox.Due(ctx, n.cfg.Now(), DefaultBatch)
		if err != nil {
			return err
		}
		progress := false
		for _, rec := range recs {
			if tried[rec.GetId()] { // due again at once (e.g. a zero backoff): next round
				continue
			}
			tried[rec.GetId()], progress = true, true
			if err := n.attempt(ctx, rec); err != nil {
				return err
			}
		}
		if !progress {
			break
		}
	}
	pending, dead, err := n.cfg.Outbox.Counts(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	n.metrics.sizes(pending, dead)
	return ctx.Err()
}

// attempt delivers rec once and records the outcome; the error is the store's.
func (n *Notifier) attempt(ctx context.Context, rec *bsv1.OutboxRecord) error {
	actx, cancel := context.WithTimeout(ctx, n.cfg.AttemptTimeout)
	sendErr := send(actx, n.cfg.Client, n.cfg.BaseURL, n.cfg.PartnerID, rec.GetNotification())
	cancel()
	if sendErr != nil && ctx.Err() != nil {
		return ctx.Err() // shutting down: not the record's fault; it stays due
	}
	out := Decide(sendErr, int(rec.GetFailures()), n.cfg.MaxAttempts, n.cfg.Policy)
	// The outcome is written even while shutting down: it is one short transaction.
	sctx := context.WithoutCancel(ctx)
	now := n.cfg.Now()
	switch out.Kind {
	case Delivered:
		if err := n.cfg.Outbox.Delivered(sctx, rec.GetId()); err != nil {
			return err
		}
		n.metrics.delivered(time.Since(time.Unix(0, rec.GetCreatedUnixNano())))
		return nil
	case Retry:
		n.metrics.retried()
		n.cfg.Logger.Warn("notifier: delivery failed, will retry", "id", rec.GetId(),
			"booking_id", rec.GetNotification().GetBookingId(), "failures", rec.GetFailures()+1,
			"next_attempt", out.Next.UTC().Format(time.RFC3339), "err", sendErr)
		return n.cfg.Outbox.Failed(sctx, rec.GetId(), n.attemptRecord(rec, now, sendErr), out.Next)
	default:
		n.metrics.dead()
		a := n.attemptRecord(rec, now, sendErr)
		n.cfg.Logger.Error("notifier: dead letter", "id", rec.GetId(),
			"booking_id", rec.GetNotification().GetBookingId(), "attempts", a.GetAttempt(),
			"http_status", a.GetHttpStatus(), "err", sendErr,
			"hint", "fix the cause, then `bookingserver notify retry "+fmt.Sprint(rec.GetId())+"`")
		return n.cfg.Outbox.Dead(sctx, rec.GetId(), a)
	}
}

// attemptRecord is the history entry of a failed attempt.
func (n *Notifier) attemptRecord(rec *bsv1.OutboxRecord, at time.Time, err error) *bsv1.Attempt {
	return &bsv1.Attempt{
		AtUnix:     at.Unix(),
		Attempt:    int32(len(rec.GetAttempts()) + 1),
		Error:      err.Error(),
		HttpStatus: int32(httpStatus(err)),
	}
}
