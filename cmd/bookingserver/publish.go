package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"

	"github.com/bookingserver/bookingserver/feeds"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/publish"
)

// publishConfig is the daily dropbox upload's part of `serve`'s configuration.
type publishConfig struct {
	at                              string
	merchant, service, availability string
	keyFile, knownHostsFile         string
}

func (c *publishConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.at, "publish-at", "03:00", "time of the daily upload of the three COMPLETE feeds to Google's dropboxes, HH:MM UTC")
	fs.StringVar(&c.merchant, "dropbox-merchant", "", "Google's merchant feed dropbox, sftp://user@host:port/dir; feed upload off when no dropbox is set")
	fs.StringVar(&c.service, "dropbox-service", "", "Google's service feed dropbox, sftp://user@host:port/dir")
	fs.StringVar(&c.availability, "dropbox-availability", "", "Google's availability feed dropbox, sftp://user@host:port/dir")
	fs.StringVar(&c.keyFile, "dropbox-key", "", "private key (OpenSSH or PEM, unencrypted) whose public half is registered in the Partner Portal")
	fs.StringVar(&c.knownHostsFile, "dropbox-known-hosts", "", "known_hosts file with the dropboxes' host keys (always checked)")
}

// startPublisher builds the publisher and runs its daily schedule; nil (and a no-op
// stop) when no dropbox is configured.
func startPublisher(ctx context.Context, cfg publishConfig, ex publish.Exporter, m *metrics.Metrics) (*publish.Publisher, func(), error) {
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
	if ex == nil {
		return nil, nil, errors.New("--dropbox-*: this store backend cannot export feeds")
	}
	at, err := publish.ParseAt(cfg.at)
	if err != nil {
		return nil, nil, err
	}
	auth, err := publish.NewAuth(cfg.keyFile, cfg.knownHostsFile)
	if err != nil {
		return nil, nil, err
	}
	p, err := publish.New(publish.Config{Exporter: ex, Dropboxes: boxes, Auth: auth, At: at})
	if err != nil {
		return nil, nil, err
	}
	m.RegisterPublisher(p.Stats)
	slog.Info("daily feed upload on", "at_utc", cfg.at, "dropboxes", len(boxes))
	return p, background(context.WithoutCancel(ctx), p.Run), nil
}
