package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// InventoryOutbox is the merchant and service RTU queue the worker drains
// (implemented by store.InventoryOutbox; written by the feed loads).
type InventoryOutbox interface {
	// Due returns up to limit pending records due at now with their merchant or
	// service as it is now, a merchant before its services.
	Due(ctx context.Context, now time.Time, limit int) ([]booking.InventoryUpdate, error)
	// Delivered removes the record Google accepted, unless a change came after readAt.
	Delivered(ctx context.Context, rec *bsv1.InventoryRecord, readAt time.Time) error
	// Failed records a failed attempt and makes the record due again at next.
	Failed(ctx context.Context, rec *bsv1.InventoryRecord, a *bsv1.Attempt, next time.Time) error
	// Dead records the last failed attempt and moves the record to the dead letters.
	Dead(ctx context.Context, rec *bsv1.InventoryRecord, a *bsv1.Attempt) error
	// Counts returns the number of pending and dead records.
	Counts(ctx context.Context) (pending, dead int, err error)
	// Wake receives a value when records were written or retried.
	Wake() <-chan struct{}
}

// DefaultMaxInventoryCallsPerRound caps the merchant and service calls of one round
// (rounds a second apart): with the availability worker's 20, 30 calls a second at
// most, and far less in practice; Google's quota is 2,500 requests per 100 s.
const DefaultMaxInventoryCallsPerRound = 10

// InventoryConfig configures an InventoryWorker; the fields mean what they mean in
// AvailabilityConfig, and serve passes the same client and policy.
type InventoryConfig struct {
	Outbox         InventoryOutbox
	Client         *http.Client
	PartnerID      string
	BaseURL        string
	Policy         RetryPolicy
	MaxAttempts    int
	AttemptTimeout time.Duration
	Now            func() time.Time
	Logger         *slog.Logger
	// MaxCallsPerRound: default DefaultMaxInventoryCallsPerRound.
	MaxCallsPerRound int
	// MinRoundInterval: default DefaultMinRoundInterval.
	MinRoundInterval time.Duration
}

// InventoryStats is Stats plus the calls sent.
type InventoryStats struct {
	Stats
	// Calls counts the create, patch and delete calls sent (a 409 or 404 answer
	// followed by a patch or create is two).
	Calls uint64
}

// InventoryWorker sends merchant and service RTUs: each round takes the due records,
// reads their merchant or service now, and creates, patches or deletes it at Google;
// Decide judges each call as it judges a booking notification.
type InventoryWorker struct {
	cfg     InventoryConfig
	metrics metrics
	mu      sync.Mutex
	calls   uint64
}

// NewInventoryWorker checks cfg and fills its defaults (the booking notifier's).
func NewInventoryWorker(cfg InventoryConfig) (*InventoryWorker, error) {
	if cfg.Outbox == nil || cfg.Client == nil {
		return nil, errors.New("notifier: Outbox and Client are required")
	}
	b, err := defaults(Config{Client: cfg.Client, PartnerID: cfg.PartnerID, BaseURL: cfg.BaseURL, Policy: cfg.Policy,
		MaxAttempts: cfg.MaxAttempts, AttemptTimeout: cfg.AttemptTimeout, Now: cfg.Now, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	cfg.BaseURL, cfg.Policy, cfg.MaxAttempts, cfg.AttemptTimeout, cfg.Now, cfg.Logger =
		b.BaseURL, b.Policy, b.MaxAttempts, b.AttemptTimeout, b.Now, b.Logger
	if cfg.MaxCallsPerRound <= 0 {
		cfg.MaxCallsPerRound = DefaultMaxInventoryCallsPerRound
	}
	if cfg.MinRoundInterval <= 0 {
		cfg.MinRoundInterval = DefaultMinRoundInterval
	}
	return &InventoryWorker{cfg: cfg}, nil
}

// Stats returns a snapshot of the metrics.
func (w *InventoryWorker) Stats() InventoryStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return InventoryStats{Stats: w.metrics.snapshot(), Calls: w.calls}
}

// Start runs the worker until stop is called (or ctx ends).
func (w *InventoryWorker) Start(ctx context.Context) (stop func()) {
	return start(ctx, func(ctx context.Context) {
		rounds(ctx, w.cfg.MinRoundInterval, w.cfg.Outbox.Wake(), w.Round, w.cfg.Logger, "inventory")
	})
}

// Round sends what is due now (up to MaxCallsPerRound records), in key order; a
// service whose merchant failed in this round waits for the next. The error is the
// store's.
func (w *InventoryWorker) Round(ctx context.Context) error {
	readAt := w.cfg.Now()
	due, err := w.cfg.Outbox.Due(ctx, readAt, w.cfg.MaxCallsPerRound)
	if err != nil {
		return err
	}
	failed := map[string]bool{} // merchants whose call failed this round
	for _, u := range due {
		if u.IsService() && failed[u.Record.GetMerchantId()] {
			continue
		}
		ok, err := w.send(ctx, u, readAt)
		if err != nil {
			return err
		}
		if !ok && !u.IsService() {
			failed[u.Record.GetMerchantId()] = true
		}
	}
	pending, dead, err := w.cfg.Outbox.Counts(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	w.metrics.sizes(pending, dead)
	return ctx.Err()
}

// send delivers one record and records the outcome; ok is Google's acceptance, the
// error the store's.
func (w *InventoryWorker) send(ctx context.Context, u booking.InventoryUpdate, readAt time.Time) (ok bool, err error) {
	actx, cancel := context.WithTimeout(ctx, w.cfg.AttemptTimeout)
	sendErr := w.deliver(actx, u)
	cancel()
	if sendErr != nil && ctx.Err() != nil {
		return false, ctx.Err() // shutting down: the record stays due
	}
	sctx := context.WithoutCancel(ctx)
	rec := u.Record
	out := Decide(sendErr, int(rec.GetFailures()), w.cfg.MaxAttempts, w.cfg.Policy)
	a := &bsv1.Attempt{AtUnix: w.cfg.Now().Unix(), Error: errString(sendErr), HttpStatus: int32(httpStatus(sendErr))}
	switch out.Kind {
	case Delivered:
		w.metrics.delivered(time.Since(time.Unix(0, rec.GetFirstChangeUnixNano())))
		return true, w.cfg.Outbox.Delivered(sctx, rec, readAt)
	case Retry:
		w.metrics.retried()
		w.cfg.Logger.Warn("notifier: inventory update failed, will retry", "merchant_id", rec.GetMerchantId(),
			"service_id", rec.GetServiceId(), "failures", rec.GetFailures()+1, "err", sendErr)
		return false, w.cfg.Outbox.Failed(sctx, rec, a, out.Next)
	default:
		w.metrics.dead()
		w.cfg.Logger.Error("notifier: inventory update dead-lettered", "merchant_id", rec.GetMerchantId(),
			"service_id", rec.GetServiceId(), "http_status", a.GetHttpStatus(), "err", sendErr,
			"hint", "fix the cause, then `bookingserver notify retry --all-dead`")
		return false, w.cfg.Outbox.Dead(sctx, rec, a)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// deliver makes Google's copy of u's merchant or service equal ours: delete it when
// gone (404: already gone), create it when added (409: it exists, patch it whole),
// else patch the changed fields (404: Google lost it, create it).
func (w *InventoryWorker) deliver(ctx context.Context, u booking.InventoryUpdate) error {
	name := inventoryName(w.cfg.PartnerID, u)
	if u.Gone() {
		err := w.call(ctx, http.MethodDelete, name, nil, nil)
		if httpStatus(err) == http.StatusNotFound {
			return nil
		}
		return err
	}
	body, err := inventoryBody(w.cfg.PartnerID, u)
	if err != nil {
		return Permanent(err)
	}
	create := func() error {
		path, query := createCall(w.cfg.PartnerID, u)
		return w.call(ctx, http.MethodPost, path, query, body)
	}
	patch := func(mask string) error {
		return w.call(ctx, http.MethodPatch, name, map[string][]string{"updateMask": {mask}}, body)
	}
	if u.Record.GetCreated() {
		err := create()
		if httpStatus(err) == http.StatusConflict {
			return patch(allFields(body))
		}
		return err
	}
	err = patch(updateMask(u, body))
	if httpStatus(err) == http.StatusNotFound {
		return create()
	}
	return err
}

// call sends one request and counts it.
func (w *InventoryWorker) call(ctx context.Context, method, path string, query map[string][]string, body map[string]json.RawMessage) error {
	req, err := inventoryRequest(ctx, w.cfg.BaseURL, method, path, query, body)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.calls++
	w.mu.Unlock()
	return do(w.cfg.Client, req)
}
