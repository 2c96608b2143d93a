// Package feedlog records every feed load — who, when, which feed, taken or refused
// and why — so that a merchant's dashboard lists its last loads whichever way they
// came (the dashboard's upload form or POST /v1/feeds/{kind}).
package feedlog

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
)

// Loader validates and applies a feed (store.Backend.LoadFeed).
type Loader interface {
	LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (store.LoadSummary, error)
}

// Log keeps the last loads of each merchant (both stores implement it).
type Log interface {
	PutFeedLoad(ctx context.Context, merchantID string, rec *bsv1.FeedLoadRecord) error
	FeedLoads(ctx context.Context, merchantID string) ([]*bsv1.FeedLoadRecord, error)
}

// Recorder is a Loader that records each load in a Log under the caller's merchant
// (booking.ScopeOf; the admin's loads under ""). A load that cannot be recorded is
// logged and still answered: the history is for people, the load is what matters.
type Recorder struct {
	next Loader
	log  Log
	now  func() time.Time
}

// New returns a Recorder of next's loads in log.
func New(next Loader, log Log) *Recorder {
	return &Recorder{next: next, log: log, now: time.Now}
}

type whoKey struct{}

// WithWho names who loads feeds in ctx (a staff email, "key <id>"); "api" when unnamed.
func WithWho(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, whoKey{}, who)
}

// LoadFeed loads the feed through next and records the outcome.
func (r *Recorder) LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (store.LoadSummary, error) {
	start := r.now()
	sum, err := r.next.LoadFeed(ctx, kind, data)
	if ctx.Err() != nil {
		return sum, err
	}
	who, _ := ctx.Value(whoKey{}).(string)
	if who == "" {
		who = "api"
	}
	end := r.now()
	rec := &bsv1.FeedLoadRecord{AtUnixNano: end.UnixNano(), Kind: KindName(kind), Who: who, Ok: err == nil,
		Summary: sum.String(), TookMs: end.Sub(start).Milliseconds()}
	var ve *feeds.ValidationError
	switch {
	case errors.As(err, &ve):
		rec.Problems = int32(len(ve.Problems) + ve.Dropped)
		rec.Summary = "refused: " + ve.Error()
	case errors.Is(err, booking.ErrInvalid), errors.Is(err, booking.ErrConflict):
		rec.Summary = "refused: " + err.Error()
	case err != nil:
		rec.Summary = "failed: internal error (see the server log)"
	}
	if perr := r.log.PutFeedLoad(ctx, booking.ScopeOf(ctx).MerchantID(), rec); perr != nil {
		slog.ErrorContext(ctx, "record feed load", "err", perr)
	}
	return sum, err
}

// Loads returns the merchant's last loads, newest first.
func (r *Recorder) Loads(ctx context.Context, merchantID string) ([]*bsv1.FeedLoadRecord, error) {
	return r.log.FeedLoads(ctx, merchantID)
}

// KindName is the feed's name as the API's path and the dashboard's form spell it.
func KindName(kind bsv1.FeedKind) string {
	switch kind {
	case bsv1.FeedKind_FEED_KIND_MERCHANT:
		return "merchant"
	case bsv1.FeedKind_FEED_KIND_SERVICE:
		return "service"
	case bsv1.FeedKind_FEED_KIND_AVAILABILITY:
		return "availability"
	}
	return kind.String()
}
