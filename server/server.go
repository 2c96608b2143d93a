// Package server serves the Actions Center v3 booking API (gRPC and its REST/JSON
// gateway) and bookingserver's merchant API. Handlers are thin: validate, call the
// domain, map the error, return.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/payment/gateways"
	"github.com/bookingserver/bookingserver/tenant"
)

// Config is the listeners' configuration.
type Config struct {
	// GRPCAddr and HTTPAddr are the listen addresses ("127.0.0.1:0" picks a port).
	GRPCAddr, HTTPAddr string
	// Credentials authenticate Google and the merchant.
	Credentials Credentials
	// TLSCert and TLSKey are PEM files; both empty serves plaintext.
	TLSCert, TLSKey string
	// Insecure allows plaintext on a non-loopback address.
	Insecure bool
	// ShutdownTimeout bounds the drain of in-flight calls.
	ShutdownTimeout time.Duration
	// Limits bound HTTP clients (timeouts, header and body sizes); zero fields take
	// DefaultLimits.
	Limits Limits
}

// Deps are the domain pieces the handlers call.
type Deps struct {
	// Bookings is the booking core.
	Bookings *booking.Service
	// Feeds applies uploaded feeds; uploads answer Unavailable when nil.
	Feeds FeedLoader
	// Metrics records calls, outcomes and feed loads and is served at /metrics; a
	// fresh registry when nil.
	Metrics *metrics.Metrics
	// Gateways are the merchants' payment gateway accounts (configuration API and
	// webhooks); both answer FailedPrecondition when nil (no --secrets-key).
	Gateways *gateways.Registry
	// Backup writes online backups (GET /v1/backup); nil answers Unimplemented.
	Backup Backuper
	// Notifications is the notification outbox (list, retry dead letters); those
	// calls answer Unavailable when nil.
	Notifications Notifications
	// Keys are the merchants' API keys; only the admin token is accepted when nil.
	Keys *tenant.Keys
	// UI is the merchant staff's dashboard, served at /ui/ (it authenticates its own
	// sessions); absent when nil.
	UI http.Handler
	// Exports writes feeds of what is loaded (GET /v1/feeds/{kind}:export); the
	// export answers Unavailable when nil.
	Exports FeedExporter
	// Publisher uploads the feeds to Google's dropboxes (POST /v1/feeds:publish,
	// GET /v1/feeds/publications); those answer Unavailable when nil.
	Publisher Publisher
}

// Server owns the gRPC and HTTP listeners.
type Server struct {
	cfg          Config
	creds        atomic.Pointer[Credentials]
	cert         atomic.Pointer[tls.Certificate]
	grpcLoopback bool
	httpLoopback bool
	tlsConfig    *tls.Config
	metrics      *metrics.Metrics
	backup       Backuper
	gateways     *gateways.Registry
	keys         *tenant.Keys
	exports      FeedExporter
	publisher    Publisher

	bookingService  *bookingService
	merchantService *merchantService
	keyService      *keyService
	ui              http.Handler

	grpcServer *grpc.Server
	health     *health.Server
	httpServer *http.Server
	grpcLis    net.Listener
	httpLis    net.Listener
	done       chan error
}

// New checks the configuration and builds the servers; Start binds the listeners.
func New(cfg Config, d Deps) (*Server, error) {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	cfg.Limits = cfg.Limits.withDefaults()
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	if d.Feeds != nil {
		d.Feeds = meteredFeeds{next: d.Feeds, metrics: d.Metrics}
	}
	s := &Server{
		cfg:             cfg,
		grpcLoopback:    isLoopback(cfg.GRPCAddr),
		httpLoopback:    isLoopback(cfg.HTTPAddr),
		metrics:         d.Metrics,
		backup:          d.Backup,
		bookingService:  &bookingService{core: d.Bookings, metrics: d.Metrics},
		merchantService: &merchantService{core: d.Bookings, feeds: d.Feeds, gateways: d.Gateways, notifications: d.Notifications},
		gateways:        d.Gateways,
		keys:            d.Keys,
		ui:              d.UI,
		keyService:      &keyService{keys: d.Keys},
		exports:         d.Exports,
		publisher:       d.Publisher,
		done:            make(chan error, 2),
	}
	s.SetCredentials(cfg.Credentials)
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("give both --tls-cert and --tls-key, or neither")
	}
	if cfg.TLSCert != "" {
		if err := s.ReloadTLS(); err != nil {
			return nil, err
		}
		s.tlsConfig = &tls.Config{
			// The certificate is read per handshake, so ReloadTLS takes effect for new
			// connections while established ones keep theirs.
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.cert.Load(), nil },
			MinVersion:     tls.VersionTLS12,
		}
	} else if !cfg.Insecure {
		for _, addr := range []string{cfg.GRPCAddr, cfg.HTTPAddr} {
			if !isLoopback(addr) {
				return nil, fmt.Errorf("refusing to serve plaintext on non-loopback address %q: give --tls-cert and --tls-key, or --insecure (e.g. behind a TLS-terminating proxy)", addr)
			}
		}
	}

	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
		// An idle gRPC connection is closed like an idle HTTP keep-alive.
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: cfg.Limits.IdleTimeout}),
		grpc.NumStreamWorkers(streamWorkers),
	}
	if s.tlsConfig != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.tlsConfig)))
	}
	s.grpcServer = grpc.NewServer(opts...)
	acv3.RegisterBookingServiceServer(s.grpcServer, s.bookingService)
	bsv1.RegisterMerchantServiceServer(s.grpcServer, s.merchantService)
	bsv1.RegisterMerchantKeyServiceServer(s.grpcServer, s.keyService)
	s.health = health.NewServer()
	healthpb.RegisterHealthServer(s.grpcServer, s.health)
	reflection.Register(s.grpcServer)

	gw, err := s.newGatewayMux(context.Background())
	if err != nil {
		return nil, err
	}
	s.httpServer = &http.Server{
		Handler:           s.httpHandler(gw),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.Limits.ReadTimeout,
		WriteTimeout:      cfg.Limits.WriteTimeout,
		IdleTimeout:       cfg.Limits.IdleTimeout,
		MaxHeaderBytes:    cfg.Limits.MaxHeaderBytes,
		TLSConfig:         s.tlsConfig,
	}
	return s, nil
}

// SetCredentials replaces the accepted credentials while serving: calls already
// authenticated finish, and every later call is checked against the new set.
func (s *Server) SetCredentials(c Credentials) {
	c.verified = new(sync.Map)
	s.creds.Store(&c)
}

// credentials returns the set in force.
func (s *Server) credentials() *Credentials { return s.creds.Load() }

// ReloadTLS reads Config.TLSCert and TLSKey again (a renewed certificate); new
// connections get it, established ones are not dropped. On error the certificate in
// force stays.
func (s *Server) ReloadTLS() error {
	if s.cfg.TLSCert == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
	if err != nil {
		return fmt.Errorf("load TLS key pair: %w", err)
	}
	s.cert.Store(&cert)
	return nil
}

// Start binds both listeners and serves in the background.
func (s *Server) Start() error {
	var err error
	if s.grpcLis, err = net.Listen("tcp", s.cfg.GRPCAddr); err != nil {
		return fmt.Errorf("listen gRPC on %s: %w", s.cfg.GRPCAddr, err)
	}
	if s.httpLis, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
		s.grpcLis.Close()
		return fmt.Errorf("listen HTTP on %s: %w", s.cfg.HTTPAddr, err)
	}
	go func() { s.done <- s.grpcServer.Serve(s.grpcLis) }()
	go func() {
		var err error
		if s.tlsConfig != nil {
			err = s.httpServer.ServeTLS(s.httpLis, "", "")
		} else {
			err = s.httpServer.Serve(s.httpLis)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	slog.Info("serving", "grpc", s.grpcLis.Addr().String(), "http", s.httpLis.Addr().String(), "tls", s.tlsConfig != nil)
	return nil
}

// GRPCAddr is the bound gRPC address.
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// HTTPAddr is the bound HTTP address.
func (s *Server) HTTPAddr() string { return s.httpLis.Addr().String() }

// Done reports a listener that stopped on its own (an error).
func (s *Server) Done() <-chan error { return s.done }

// Shutdown stops accepting calls and drains the in-flight ones for at most
// Config.ShutdownTimeout, then closes what is left.
func (s *Server) Shutdown() error {
	s.health.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		s.grpcServer.GracefulStop()
		close(stopped)
	}()
	httpErr := s.httpServer.Shutdown(ctx)
	select {
	case <-stopped:
	case <-ctx.Done():
		s.grpcServer.Stop()
	}
	if httpErr != nil {
		return fmt.Errorf("drain HTTP: %w", httpErr)
	}
	return nil
}

// isLoopback reports whether a listen address only accepts local connections.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// streamWorkers are the goroutines that run gRPC calls, kept between calls (a call
// beyond them gets a goroutine of its own, as without workers): a new goroutine per
// call grew its stack again on every booking, 6% of the replicas' CPU under
// CreateBooking load (bench/replicas -cpuprofile). NumStreamWorkers is marked
// experimental in grpc-go.
const streamWorkers = 64
