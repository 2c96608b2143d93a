package main

import (
	"context"
	"flag"
	"log/slog"
	"time"

	"github.com/bookingserver/bookingserver/feeds"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/publish"
)

// publishConfig is the daily dropbox upload's part of `serve`'s configuration.
type publishConfig struct {
	at                              string
	merchant, service, availability string
	keyFile, knownHostsFile         string
	statusInterval                  time.Duration
}

// publisherDeps is what the publisher uses of the rest of serve: the store's export
// and publication log, and Google's feed status API (nil without credentials).
type publisherDeps struct {
	exporter publish.Exporter
	log      publish.Log
	status   publish.StatusReader
}

// publicationLog is st's publication log, nil on a backend without one.
func publicationLog(st any) publish.Log {
	if l, ok := st.(publish.Log); ok {
		return l
	}
	return nil
}

func (c *publishConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.at, "publish-at", "03:00", "time of the daily upload of the three COMPLETE feeds to Google's dropboxes, HH:MM UTC")
	fs.StringVar(&c.merchant, "dropbox-merchant", "", "Google's merchant feed dropbox, sftp://user@host:port/dir; feed upload off when no dropbox is set")
	fs.StringVar(&c.service, "dropbox-service", "", "Google's service feed dropbox, sftp://user@host:port/dir")
	fs.StringVar(&c.availability, "dropbox-availability", "", "Google's availability feed dropbox, sftp://user@host:port/dir")
	fs.StringVar(&c.keyFile, "dropbox-key", "", "private key (OpenSSH or PEM, unencrypted) whose public half is registered in the Partner Portal")
	fs.StringVar(&c.knownHostsFile, "dropbox-known-hosts", "", "known_hosts file with the dropboxes' host keys (always checked)")
	fs.DurationVar(&c.statusInterval, "feed-status-interval", 5*time.Minute, "wait before reading Google's feed status after a publication (doubled before each further read; needs --google-credentials)")
}

// startPublisher builds the publisher and runs its daily schedule; nil (and a no-op
// stop) when no dropbox is configured.
func startPublisher(ctx context.Context, cfg publishConfig, deps publisherDeps, m *metrics.Metrics) (*publish.Publisher, func(), error) {
	boxes := map[feeds.ExportKind]publish.Dropbox{}
	for kind, raw := range map[feeds.ExportKind]string{feeds.ExportMerchant: cfg.merchant, feeds.ExportService: cfg.service, feeds.ExportAvailability: cfg.availability} {
		if raw == "" {
			continue
		}
		d, err := publish.ParseDropbox(raw)
		if err != nil {
			return nil, nil, err
		}
		boxes[kind] = d
	}
	if len(boxes) == 0 {
		return nil, func() {}, nil
	}
	at, err := publish.ParseAt(cfg.at)
	if err != nil {
		return nil, nil, err
	}
	auth, err := publish.NewAuth(cfg.keyFile, cfg.knownHostsFile)
	if err != nil {
		return nil, nil, err
	}
	p, err := publish.New(publish.Config{Exporter: deps.exporter, Dropboxes: boxes, Auth: auth, At: at,
		Log: deps.log, Status: deps.status, StatusInterval: cfg.statusInterval})
	if err != nil {
		return nil, nil, err
	}
	m.RegisterPublisher(p.Stats)
	slog.Info("daily feed upload on", "at_utc", cfg.at, "dropboxes", len(boxes), "feed_status", deps.status != nil)
	stop := background(context.WithoutCancel(ctx), p.Run)
	return p, func() { stop(); p.Close() }, nil
}
