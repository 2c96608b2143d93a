package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Exporter writes a feed of what is loaded now (store.Store.ExportFeed).
type Exporter interface {
	ExportFeed(ctx context.Context, kind feeds.ExportKind, opts feeds.ExportOptions, open func(shard, total int) (io.Writer, error)) (feeds.ExportInfo, error)
}

// ExportFunc writes one feed: create(name) opens each shard's file in turn.
type ExportFunc func(ctx context.Context, create func(name string) (io.Writer, error)) (feeds.ExportInfo, error)

// Kinds are the feed types in upload order: merchants first, so that Google knows a
// merchant before its services and slots.
var Kinds = []feeds.ExportKind{feeds.ExportMerchant, feeds.ExportService, feeds.ExportAvailability}

// Config configures a Publisher.
type Config struct {
	// Exporter writes the feeds (required).
	Exporter Exporter
	// Dropboxes maps each feed type to its dropbox; a type without one is not published.
	Dropboxes map[feeds.ExportKind]Dropbox
	// Auth is our key and the dropboxes' host keys (required).
	Auth Auth
	// At is the time of the daily publication, as an offset from midnight UTC.
	At time.Duration
	// ShardRecords caps a shard's records; 0 is feeds.DefaultShardRecords.
	ShardRecords int
	// RetryBase is the wait after the first failure, doubled after each further one;
	// 0 is one minute.
	RetryBase time.Duration
	// MaxRetries bounds the retries of a failed daily publication; 0 is 6 (about an
	// hour of trying), then the next day's publication.
	MaxRetries int
	// Keep is how many publications Publications returns; 0 is 100.
	Keep int
	// Log keeps the publications across restarts; nil keeps them in memory only.
	Log Log
	// Status reads Google's processing status of an uploaded file; nil: not asked.
	Status StatusReader
	// StatusInterval is the wait before the first status read after a publication,
	// doubled before each further one; 0 is five minutes (Google processes a feed
	// in minutes to hours).
	StatusInterval time.Duration
	// StatusPolls bounds the status reads of one publication; 0 is 8 (about 21 hours
	// with the default interval), or until Google says SUCCESS or FAILURE for every file.
	StatusPolls int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// FeedUpload is one feed's part of a publication.
type FeedUpload struct {
	Kind                feeds.ExportKind `json:"kind"`
	Dropbox             string           `json:"dropbox"`
	GenerationTimestamp int64            `json:"generation_timestamp"`
	Nonce               uint64           `json:"nonce,string"`
	Records             int              `json:"records"`
	Files               []File           `json:"files"`
	Error               string           `json:"error,omitempty"`
}

// Publication is one upload of the feeds, successful or not.
type Publication struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Trigger is "schedule", "retry" or "api".
	Trigger string `json:"trigger"`
	// Outcome is "ok" or "failed".
	Outcome string       `json:"outcome"`
	Feeds   []FeedUpload `json:"feeds"`
}

// Stats are the publisher's figures since start, for metrics and alerts.
type Stats struct {
	Succeeded, Failed uint64
	// ConsecutiveFailures is the number of failed publications since the last
	// successful one: alert when it is above 0 for long.
	ConsecutiveFailures int
	// LastSuccess is when the last successful publication finished (zero: none).
	LastSuccess time.Time
	// Bytes is the total uploaded.
	Bytes uint64
}

// StatusReader reads Google's status of an uploaded feed file: feed is "merchants",
// "services" or "availability" (notifier.FeedStatusClient).
type StatusReader interface {
	FeedStatus(ctx context.Context, feed, fileName string) (*bsv1.FeedStatusRecord, error)
}

// Publisher uploads the feeds: daily (Run) and on demand (Publish). One publication
// runs at a time.
type Publisher struct {
	cfg   Config
	run   sync.Mutex // one publication at a time
	mu    sync.Mutex
	pubs  []Publication // newest last
	stats Stats
	// polls are the status reads in flight; Close ends them.
	polls     sync.WaitGroup
	pollCtx   context.Context
	stopPolls context.CancelFunc
}

// New checks cfg and fills its defaults.
func New(cfg Config) (*Publisher, error) {
	if cfg.Exporter == nil || cfg.Auth.Signer == nil || cfg.Auth.HostKey == nil {
		return nil, errors.New("publish: Exporter, Auth.Signer and Auth.HostKey are required")
	}
	if len(cfg.Dropboxes) == 0 {
		return nil, errors.New("publish: no dropbox")
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Minute
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 6
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.StatusInterval <= 0 {
		cfg.StatusInterval = 5 * time.Minute
	}
	if cfg.StatusPolls <= 0 {
		cfg.StatusPolls = 8
	}
	p := &Publisher{cfg: cfg}
	p.pollCtx, p.stopPolls = context.WithCancel(context.Background())
	if cfg.Log != nil {
		if err := p.restore(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// restore reads the kept publications from the log, and the figures an alert
// needs: the last success and the failures since.
func (p *Publisher) restore() error {
	recs, err := p.cfg.Log.Publications(p.pollCtx, p.cfg.Keep)
	if err != nil {
		return fmt.Errorf("publish: read publications: %w", err)
	}
	failing := true
	for _, rec := range recs { // newest first
		pub := fromRecord(rec)
		p.pubs = append([]Publication{pub}, p.pubs...)
		if !failing {
			continue
		}
		if pub.Outcome == "ok" {
			p.stats.LastSuccess, failing = pub.FinishedAt, false
		} else {
			p.stats.ConsecutiveFailures++
		}
	}
	return nil
}

// Close stops the status reads in flight.
func (p *Publisher) Close() {
	p.stopPolls()
	p.polls.Wait()
}

// Publications returns the kept publications, newest first.
func (p *Publisher) Publications() []Publication {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Clone(p.pubs)
	slices.Reverse(out)
	return out
}

// Stats returns a snapshot of the figures.
func (p *Publisher) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Publish uploads every feed that has a dropbox, each from one snapshot, and records
// the publication. A feed that fails does not stop the others; the publication fails
// if any did.
func (p *Publisher) Publish(ctx context.Context, trigger string) Publication {
	p.run.Lock()
	defer p.run.Unlock()
	pub := Publication{StartedAt: p.cfg.Now().UTC(), Trigger: trigger, Outcome: "ok"}
	var bytes uint64
	for _, kind := range Kinds {
		d, ok := p.cfg.Dropboxes[kind]
		if !ok {
			continue
		}
		fu := p.publishFeed(ctx, kind, d)
		if fu.Error != "" {
			pub.Outcome = "failed"
		}
		for _, f := range fu.Files {
			bytes += uint64(f.Bytes)
		}
		pub.Feeds = append(pub.Feeds, fu)
	}
	pub.FinishedAt = p.cfg.Now().UTC()
	p.record(pub, bytes)
	if p.cfg.Status != nil && bytes > 0 {
		p.polls.Go(func() { p.pollStatus(pub.StartedAt) })
	}
	return pub
}

// publishFeed exports one feed to its dropbox.
func (p *Publisher) publishFeed(ctx context.Context, kind feeds.ExportKind, d Dropbox) FeedUpload {
	gen := p.cfg.Now().Unix()
	fu := FeedUpload{Kind: kind, Dropbox: d.String(), GenerationTimestamp: gen}
	export := func(ctx context.Context, create func(string) (io.Writer, error)) (feeds.ExportInfo, error) {
		info, err := p.cfg.Exporter.ExportFeed(ctx, kind, feeds.ExportOptions{GenerationTimestamp: gen, ShardRecords: p.cfg.ShardRecords},
			func(shard, total int) (io.Writer, error) { return create(fileName(string(kind), gen, shard, total)) })
		fu.Records, fu.Nonce = info.Records, info.Nonce
		return info, err
	}
	s, err := dial(ctx, d, p.cfg.Auth)
	if err == nil {
		defer s.close()
		fu.Files, err = writeFeed(ctx, s, export)
	}
	if err != nil {
		fu.Error = err.Error()
		p.cfg.Logger.Error("publish: feed upload failed", "kind", kind, "dropbox", d.String(), "err", err)
	} else {
		p.cfg.Logger.Info("publish: feed uploaded", "kind", kind, "dropbox", d.String(), "files", len(fu.Files), "records", fu.Records)
	}
	return fu
}

// record keeps pub and updates the figures.
func (p *Publisher) record(pub Publication, bytes uint64) {
	p.persist(pub)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pubs = append(p.pubs, pub)
	if len(p.pubs) > p.cfg.Keep {
		p.pubs = p.pubs[len(p.pubs)-p.cfg.Keep:]
	}
	p.stats.Bytes += bytes
	if pub.Outcome == "ok" {
		p.stats.Succeeded++
		p.stats.ConsecutiveFailures = 0
		p.stats.LastSuccess = pub.FinishedAt
		return
	}
	p.stats.Failed++
	p.stats.ConsecutiveFailures++
}

// NextRun is the first daily publication time strictly after now.
func (p *Publisher) NextRun(now time.Time) time.Time {
	day := now.UTC().Truncate(24 * time.Hour)
	next := day.Add(p.cfg.At)
	if !next.After(now) {
		next = next.Add(24 * time.Hour)
	}
	return next
}

// Run publishes every day at At until ctx ends; a failed publication is retried
// after RetryBase, 2·RetryBase, … up to MaxRetries times.
func (p *Publisher) Run(ctx context.Context) {
	for {
		if !sleepUntil(ctx, p.NextRun(p.cfg.Now()), p.cfg.Now) {
			return
		}
		pub := p.Publish(ctx, "schedule")
		wait := p.cfg.RetryBase
		for try := 0; pub.Outcome != "ok" && try < p.cfg.MaxRetries; try++ {
			if !sleepUntil(ctx, p.cfg.Now().Add(wait), p.cfg.Now) {
				return
			}
			pub = p.Publish(ctx, "retry")
			wait *= 2
		}
	}
}

// sleepUntil waits until t (false when ctx ended first).
func sleepUntil(ctx context.Context, t time.Time, now func() time.Time) bool {
	timer := time.NewTimer(max(t.Sub(now()), 0))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// ParseAt parses "HH:MM" (UTC) as an offset from midnight.
func ParseAt(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("--publish-at %q: want HH:MM (UTC)", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
