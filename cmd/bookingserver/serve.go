package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feedlog"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/gateways"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/tenant"
	"github.com/bookingserver/bookingserver/ui"
)

// serveConfig is the whole configuration of `bookingserver serve`.
type serveConfig struct {
	store           storeConfig
	feeds           string
	grpcAddr        string
	httpAddr        string
	creds           credentialConfig
	tlsCert         string
	tlsKey          string
	insecure        bool
	shutdownTimeout time.Duration
	pprofAddr       string
	notify          notifyConfig
	publish         publishConfig
	cart            cartConfig
	payments        processorConfig
	gateways        gatewayConfig
	logs            logConfig
	retention       retentionConfig
	limits          server.Limits
}

func parseServeConfig(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", "serve [flags]")
	fs.SetOutput(stderr)
	c.store.register(fs, "bbolt data file (created if missing; one process at a time)")
	fs.StringVar(&c.feeds, "feeds", "", "directory of feed files (merchant*.json, service*.json, availability*.json) loaded at start")
	fs.StringVar(&c.grpcAddr, "grpc-addr", "127.0.0.1:50051", "gRPC listen address")
	fs.StringVar(&c.httpAddr, "http-addr", "127.0.0.1:8080", "HTTP listen address: REST gateway (/v3), merchant API (/v1), /healthz")
	c.creds.register(fs)
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate PEM file for both listeners")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key PEM file for both listeners")
	fs.BoolVar(&c.insecure, "insecure", false, "allow plaintext on a non-loopback address (behind a TLS-terminating proxy)")
	c.notify.register(fs)
	c.publish.register(fs)
	c.cart.register(fs)
	c.payments.register(fs)
	c.gateways.register(fs)
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "serve net/http/pprof on this loopback address (e.g. 127.0.0.1:6060); off when empty")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight calls may take to finish on SIGINT/SIGTERM")
	registerLimits(fs, &c.limits)
	c.retention.register(fs)
	c.logs.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := c.retention.check(); err != nil {
		return c, err
	}
	return c, c.creds.check()
}

func runServe(ctx context.Context, args []string, _, stderr io.Writer) error {
	cfg, err := parseServeConfig(args, stderr)
	if err != nil {
		return err
	}
	cfg.logs.install()
	creds, err := cfg.creds.load()
	if err != nil {
		return err
	}
	if cfg.creds.insecureNoAuth {
		slog.Warn("INSECURE: the v3 booking API accepts calls without credentials (--insecure-no-auth); never do this in production")
	}
	if !creds.AdminEnabled() {
		slog.Warn("merchant API closed to the platform: no --admin-token or --admin-token-file")
	}

	met := metrics.New()
	stopPprof, err := startPprof(cfg.pprofAddr)
	if err != nil {
		return err
	}
	defer stopPprof()

	st, err := cfg.store.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if fixed, err := st.Reconcile(time.Now().Add(-reconcileLookback)); err != nil {
		return err
	} else if fixed > 0 {
		slog.Warn("slot counts repaired at start", "fixed", fixed)
	}
	if cfg.feeds != "" {
		paths, err := feedDir(cfg.feeds)
		if err != nil {
			return err
		}
		if err := loadFeeds(ctx, st, paths, met); err != nil {
			return err
		}
	}

	google, err := cfg.notify.googleClient(ctx)
	if err != nil {
		return err
	}
	stopNotifier, err := startNotifier(ctx, cfg.notify, google, st, met)
	if err != nil {
		return err
	}
	defer stopNotifier() // before st.Close
	p, stopPublisher, err := startPublisher(ctx, cfg.publish, publisherDeps{st, publicationLog(st), cfg.notify.feedStatus(google)}, met)
	if err != nil {
		return err
	}
	defer stopPublisher() // before st.Close
	var publisher server.Publisher
	if p != nil { // a nil *Publisher in the interface would not be nil
		publisher = p
	}
	defer startRetention(ctx, st, cfg.retention)() // stops before st.Close

	proc, err := cfg.payments.processor()
	if err != nil {
		return err
	}
	gws, err := cfg.gateways.registry(st)
	if err != nil {
		return err
	}
	core, err := booking.New(booking.Config{Store: st, CartLimits: cfg.cart.limits(),
		Processor: metrics.InstrumentProcessor(proc, met), ParseToken: payment.ParseToken, Gateways: hosted(gws)})
	if err != nil {
		return err
	}
	if settled, err := core.Recover(ctx); err != nil {
		return err
	} else if settled > 0 {
		slog.Info("payments left pending by a crash settled", "bookings", settled)
	}
	// The cart sweeper (first sweep at once: what fell due while the server was down)
	// and the periodic payment recovery stop before st.Close.
	defer background(ctx, func(ctx context.Context) { core.SweepCarts(ctx, cfg.cart.sweepInterval) })()
	defer background(ctx, func(ctx context.Context) { core.RecoverPeriodically(ctx, cfg.payments.recoveryInterval) })()
	keys := merchantKeys(st)
	loads := feedLoads(st)
	dash, sessions, err := dashboard(st, core, keys, loads, gws)
	if err != nil {
		return err
	}
	if sessions != nil {
		defer background(ctx, func(ctx context.Context) { sweepSessions(ctx, sessions) })() // stops before st.Close
	}
	srv, err := server.New(server.Config{
		GRPCAddr: cfg.grpcAddr, HTTPAddr: cfg.httpAddr, Credentials: creds,
		TLSCert: cfg.tlsCert, TLSKey: cfg.tlsKey, Insecure: cfg.insecure,
		ShutdownTimeout: cfg.shutdownTimeout, Limits: cfg.limits,
	}, server.Deps{Bookings: core, Feeds: loads, Metrics: met, Gateways: gws, Notifications: st.Outbox(), Keys: keys, Backup: backuper(st), UI: dash, Exports: st, Publisher: publisher})
	if err != nil {
		return err
	}
	hup := make(chan os.Signal, 1) // before Start: a SIGHUP once serving never kills
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := srv.Start(); err != nil {
		return err
	}
	if cfg.store.databaseURL == "" { // `notify` on the data file finds the server here
		forget, err := recordServer(cfg.store.data, srv.HTTPAddr(), cfg.tlsCert)
		if err != nil {
			_ = srv.Shutdown()
			return err
		}
		defer forget()
	}
	logSet("credentials in force", creds)
	for {
		select {
		case <-hup:
			reload(cfg, srv)
			continue
		case <-ctx.Done():
			slog.Info("shutting down: draining in-flight calls", "timeout", cfg.shutdownTimeout.String())
		case err := <-srv.Done():
			slog.Error("listener stopped", "err", err)
		}
		break
	}
	if err := srv.Shutdown(); err != nil {
		return err
	}
	slog.Info("stopped")
	return nil
}

// reload is SIGHUP: read the credential files and the TLS certificate again and put
// them in force for the calls that follow, dropping no connection. What fails to load
// keeps what is in force, and the log says why.
func reload(cfg serveConfig, srv *server.Server) {
	if creds, err := cfg.creds.load(); err != nil {
		slog.Error("SIGHUP: credentials not reloaded; the previous ones stay in force", "err", err)
	} else {
		srv.SetCredentials(creds)
		logSet("SIGHUP: credentials reloaded", creds)
	}
	if err := srv.ReloadTLS(); err != nil {
		slog.Error("SIGHUP: TLS certificate not reloaded; the previous one stays in force", "err", err)
	} else if cfg.tlsCert != "" {
		slog.Info("SIGHUP: TLS certificate reloaded", "cert", cfg.tlsCert)
	}
}

// backuper returns st's online backup, or nil when the store has none (Postgres:
// pg_dump is its tool).
func backuper(st any) server.Backuper {
	b, _ := st.(server.Backuper)
	return b
}

// dashboardSession is how long a dashboard login lasts.
const dashboardSession = 12 * time.Hour

// dashboardStore is what the dashboard keeps in the store beside the bookings.
type dashboardStore interface {
	ui.BookingIndex
	ui.Catalog
	tenant.StaffStore
	tenant.SessionStore
	tenant.SettingsStore
}

// feedLoads is st's feed loader, recording each load for the dashboard's feeds page
// when the store keeps the history (both stores do).
func feedLoads(st store.Backend) server.FeedLoader {
	if log, ok := st.(feedlog.Log); ok {
		return feedlog.New(st, log)
	}
	return st
}

// dashboard builds the staff dashboard and its sessions; both nil when the store
// cannot hold the dashboard's data or there are no merchant keys.
func dashboard(st store.Backend, core *booking.Service, keys *tenant.Keys, loads server.FeedLoader, gws *gateways.Registry) (http.Handler, *tenant.Sessions, error) {
	ds, ok := st.(dashboardStore)
	if !ok || keys == nil {
		slog.Warn("the dashboard (/ui/) is off: this store does not keep its data")
		return nil, nil, nil
	}
	sessions := tenant.NewSessions(ds, dashboardSession, nil)
	cfg := ui.Config{Bookings: core, Index: ds, Catalog: ds, Outbox: st.Outbox(), RTUs: st.AvailabilityOutbox(), Feeds: loads, Keys: keys,
		Staff: tenant.NewStaff(ds, nil), Sessions: sessions, Settings: ds}
	if fl, ok := loads.(ui.FeedLog); ok {
		cfg.FeedLog = fl
	}
	if gws != nil {
		cfg.Gateways = gws
	}
	dash, err := ui.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return dash, sessions, nil
}

// sweepSessions deletes expired dashboard sessions at once and then hourly.
func sweepSessions(ctx context.Context, sessions *tenant.Sessions) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := sessions.Sweep(ctx); err != nil && ctx.Err() == nil {
			slog.Error("sweep dashboard sessions", "err", err)
		} else if n > 0 {
			slog.Info("expired dashboard sessions removed", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// merchantKeys returns the merchant keys kept in st, or nil (admin token only) when the
// store does not keep them (both stores do).
func merchantKeys(st any) *tenant.Keys {
	ks, ok := st.(tenant.KeyStore)
	if !ok {
		slog.Warn("merchant keys are off: this store does not keep them; the merchant API takes the admin token only")
		return nil
	}
	return tenant.NewKeys(ks, nil)
}
