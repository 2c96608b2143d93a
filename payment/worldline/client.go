package worldline

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

// Base URLs of the Worldline Direct API.
const (
	ProductionURL = "https://payment.direct.worldline-solutions.com"
	PreprodURL    = "https://payment.preprod.direct.worldline-solutions.com"
)

// Config is one merchant's Worldline Direct account.
type Config struct {
	// BaseURL is ProductionURL, PreprodURL or a test server; empty means ProductionURL.
	BaseURL string
	// MerchantID is the PSPID, part of every API path.
	MerchantID string
	// APIKeyID and APISecret sign API requests (Merchant Portal → Developer →
	// Payment API).
	APIKeyID  string
	APISecret secrets.Secret
	// WebhookKeyID and WebhookSecret verify webhooks (Developer → Webhooks).
	WebhookKeyID  string
	WebhookSecret secrets.Secret
	// HTTPClient is used for API calls; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now gives the Date header's time; nil means time.Now. Tests fix it.
	Now func() time.Time
}

// Client calls Worldline Direct for one merchant. It is safe for concurrent use.
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
		return nil, fmt.Errorf("worldline: bad base URL %q: %w", cfg.BaseURL, booking.ErrInvalid)
	}
	switch {
	case !validID(cfg.MerchantID):
		return nil, fmt.Errorf("worldline: merchant id (PSPID) %q is required and must be a path segment: %w", cfg.MerchantID, booking.ErrInvalid)
	case cfg.APIKeyID == "" || cfg.APISecret.IsZero():
		return nil, fmt.Errorf("worldline: API key id and secret are required: %w", booking.ErrInvalid)
	case cfg.WebhookKeyID == "" || cfg.WebhookSecret.IsZero():
		return nil, fmt.Errorf("worldline: webhook key id and secret are required: %w", booking.ErrInvalid)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, base: base, http: cfg.HTTPClient}, nil
}

// APIError is a non-2xx answer. 5xx and 429 wrap booking.ErrUnavailable (retry with
// the same idempotence key); 404 wraps booking.ErrNotFound; others booking.ErrInvalid.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// ErrorID and Codes come from Worldline's error body.
	ErrorID string
	Codes   []string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("worldline: HTTP %d (errorId %s, codes %v)", e.StatusCode, e.ErrorID, e.Codes)
}

// Unwrap classifies the error for errors.Is.
func (e *APIError) Unwrap() error {
	switch {
	case e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests:
		return booking.ErrUnavailable
	case e.StatusCode == http.StatusNotFound:
		return booking.ErrNotFound
	}
	return booking.ErrInvalid
}

type errorBody struct {
	ErrorID string `json:"errorId"`
	Errors  []struct {
		Code      string `json:"code"`
		ErrorCode string `json:"errorCode"`
	} `json:"errors"`
}

// do sends a signed request to /v2/{merchantId}/{path}. body nil means no body (and
// no Content-Type). idempotenceKey, when set, goes in X-GCS-Idempotence-Key, which is
// signed with the other X-GCS headers.
func (c *Client) do(ctx context.Context, method, path string, body any, idempotenceKey string, out any) error {
	u := c.base.JoinPath("v2", c.cfg.MerchantID).JoinPath(path)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("worldline: encode: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("worldline: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Date", c.cfg.Now().UTC().Format(http.TimeFormat))
	if idempotenceKey != "" {
		req.Header.Set("X-GCS-Idempotence-Key", idempotenceKey)
	}
	req.Header.Set("Authorization", authorization(c.cfg.APIKeyID, c.cfg.APISecret.Reveal(), req))

	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("worldline: %s %s: %v: %w", method, path, err, booking.ErrUnavailable)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("worldline: read answer: %w", booking.ErrUnavailable)
	}
	if resp.StatusCode/100 != 2 {
		apiErr := &APIError{StatusCode: resp.StatusCode}
		var eb errorBody
		if json.Unmarshal(raw, &eb) == nil {
			apiErr.ErrorID = eb.ErrorID
			for _, e := range eb.Errors {
				apiErr.Codes = append(apiErr.Codes, e.ErrorCode+e.Code)
			}
		}
		return apiErr
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("worldline: decode answer: %v: %w", err, booking.ErrUnavailable)
	}
	return nil
}

// validID reports whether id is safe as one URL path segment (Worldline ids are
// digits, letters, "_" and "-").
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
