package stripe

import (
	"errors"
	"net/http"

	stripeapi "github.com/stripe/stripe-go/v85"

	"github.com/bookingserver/bookingserver/booking"
)

// DefaultBaseURL is Stripe's API.
const DefaultBaseURL = "https://api.stripe.com"

// Config configures a Stripe Processor.
type Config struct {
	// SecretKey is the account's secret API key (sk_live_… or sk_test_…), sent as a
	// Bearer token. Required.
	SecretKey string
	// BaseURL is the API's scheme and host; DefaultBaseURL when empty. Tests point it
	// at a local server.
	BaseURL string
	// HTTPClient sends the requests; stripe-go's default (80 s timeout) when nil.
	HTTPClient *http.Client
	// MaxNetworkRetries is how often stripe-go itself retries a request that failed
	// technically, with the same idempotency key. Zero leaves every retry to the caller.
	MaxNetworkRetries int64
}

// Processor is the Stripe booking.Processor. It is safe for concurrent use; build it
// with New.
type Processor struct {
	client *stripeapi.Client
}

var _ booking.Processor = (*Processor)(nil)

// New returns a Processor for cfg.
func New(cfg Config) (*Processor, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: no secret key")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	backend := stripeapi.GetBackendWithConfig(stripeapi.APIBackend, &stripeapi.BackendConfig{
		HTTPClient:        cfg.HTTPClient,
		URL:               stripeapi.String(cfg.BaseURL),
		MaxNetworkRetries: stripeapi.Int64(cfg.MaxNetworkRetries),
		// Errors are returned to the caller, which logs them; the client stays quiet.
		LeveledLogger: &stripeapi.LeveledLogger{Level: stripeapi.LevelNull},
	})
	client := stripeapi.NewClient(cfg.SecretKey, stripeapi.WithBackends(&stripeapi.Backends{
		API: backend, Connect: backend, Uploads: backend, MeterEvents: backend,
	}))
	return &Processor{client: client}, nil
}

// Name returns "stripe", the processor's name in the ledger.
func (p *Processor) Name() string { return "stripe" }

// params returns request parameters carrying the idempotency key and, when bookingID
// is set, the booking id as metadata for reconciliation.
func params(key, bookingID string) stripeapi.Params {
	ps := stripeapi.Params{IdempotencyKey: stripeapi.String(key)}
	if bookingID != "" {
		ps.AddMetadata("booking_id", bookingID)
	}
	return ps
}
