package imoje

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/secrets"
)

// Base URLs of imoje's REST API.
const (
	ProductionURL = "https://api.imoje.pl"
	SandboxURL    = "https://sandbox.api.imoje.pl"
)

// Config is one merchant's imoje account, as the imoje panel shows it (Settings → API
// keys for the token; Shops → details → integration data for the rest).
type Config struct {
	// BaseURL is ProductionURL, SandboxURL, or a test server; empty means ProductionURL.
	BaseURL string
	// MerchantID is the "client id" (identyfikator klienta); it is in every API path
	// and in the notification signature header.
	MerchantID string
	// ServiceID is the shop id (identyfikator sklepu).
	ServiceID string
	// APIToken is the bearer token for the REST API (token autoryzacyjny).
	APIToken secrets.Secret
	// ShopKey is the shop key (klucz sklepu) that signs notifications.
	ShopKey secrets.Secret
	// HTTPClient is used for API calls; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
}

// Client calls imoje's API for one merchant. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
}

// New checks cfg and returns a Client. Errors wrap booking.ErrInvalid and never
// include the secrets.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = ProductionURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("imoje: bad base URL %q: %w", cfg.BaseURL, booking.ErrInvalid)
	}
	switch {
	case !validID(cfg.MerchantID), cfg.ServiceID == "":
		return nil, fmt.Errorf("imoje: merchant id and service id are required (merchant id as a path segment): %w", booking.ErrInvalid)
	case cfg.APIToken.IsZero(), cfg.ShopKey.IsZero():
		return nil, fmt.Errorf("imoje: API token and shop key are required: %w", booking.ErrInvalid)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{cfg: cfg, base: base, http: hc}, nil
}

// APIError is a non-2xx answer from imoje. Status 5xx and 429 also wrap
// booking.ErrUnavailable (worth retrying); other statuses wrap booking.ErrInvalid.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Body is the start of imoje's answer, for the log (imoje's error bodies carry no
	// secrets).
	Body string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("imoje: HTTP %d: %s", e.StatusCode, e.Body)
}

// Unwrap classifies the error for callers that use errors.Is.
func (e *APIError) Unwrap() error {
	if e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests {
		return booking.ErrUnavailable
	}
	return booking.ErrInvalid
}

// do sends a request to the merchant-scoped path, body (nil for none) as JSON, and
// decodes the answer into out.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("imoje: encode: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	u := c.base.JoinPath("v1", "merchant", c.cfg.MerchantID).JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("imoje: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.cfg.APIToken.Reveal())
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("imoje: %s: %w", redactURLError(err), booking.ErrUnavailable)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("imoje: read answer: %w", booking.ErrUnavailable)
	}
	if resp.StatusCode/100 != 2 {
		if len(raw) > 512 {
			raw = raw[:512]
		}
		return &APIError{StatusCode: resp.StatusCode, Body: string(raw)}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("imoje: decode answer: %v: %w", err, booking.ErrUnavailable)
	}
	return nil
}

// redactURLError drops the wrapped *url.Error's URL-free message; the token travels in
// a header, never in the URL, so only the operation and cause are kept.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// validID reports whether id is safe as one URL path segment: imoje's ids are
// alphanumeric with dashes.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
