package gateways

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/secrets"
)

// Gateway names as they appear in routes and the ledger.
const (
	// Imoje is imoje (booking.GatewayImoje).
	Imoje = booking.GatewayImoje
	// Worldline is Worldline Direct (booking.GatewayWorldline).
	Worldline = booking.GatewayWorldline
	// Stripe is Stripe: only its webhooks are served here; card payments go through
	// the server's --payment-processor.
	Stripe = "stripe"
)

// ErrNoKey: no --secrets-key is configured, so secrets can be neither sealed nor opened.
var ErrNoKey = fmt.Errorf("gateway accounts need a secrets key: start the server with --secrets-key or BOOKINGSERVER_SECRETS_KEY: %w", booking.ErrConflict)

// ErrSignature: a webhook's signature is missing or wrong; answer 401 and change nothing.
var ErrSignature = errors.New("webhook signature invalid")

// DefaultStripeTolerance is how old a Stripe-Signature timestamp may be (Stripe's
// libraries use 300 s).
const DefaultStripeTolerance = 300 * time.Second

// Config builds a Registry.
type Config struct {
	// Store persists the accounts and the booking core's records.
	Store booking.Store
	// Key seals and opens secrets; nil disables gateway accounts (ErrNoKey).
	Key *secrets.Key
	// HTTPClient calls the gateways; nil means each client's default.
	HTTPClient *http.Client
	// Now is the clock (Stripe timestamps, updated_unix); time.Now when nil.
	Now func() time.Time
	// StripeTolerance bounds a Stripe signature's age; DefaultStripeTolerance when 0.
	StripeTolerance time.Duration
}

// Registry is the merchants' gateway accounts. It is safe for concurrent use.
type Registry struct {
	cfg Config
}

// New returns a Registry.
func New(cfg Config) (*Registry, error) {
	if cfg.Store == nil {
		return nil, errors.New("gateways: no store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StripeTolerance <= 0 {
		cfg.StripeTolerance = DefaultStripeTolerance
	}
	return &Registry{cfg: cfg}, nil
}
