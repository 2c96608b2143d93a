package stripe_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/stripe"
)

// statusRecorder is an http.RoundTripper that keeps every response's status.
type statusRecorder struct {
	mu       sync.Mutex
	statuses []string
}

func (s *statusRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		s.mu.Lock()
		s.statuses = append(s.statuses, fmt.Sprintf("%d %s %s", res.StatusCode, r.Method, r.URL.Path))
		s.mu.Unlock()
	}
	return res, err
}

// TestStripeMock sends every operation to stripe-mock, which validates requests against
// Stripe's OpenAPI spec and answers fixtures: each request must be accepted (2xx).
// The fixtures' states (an intent "requires_payment_method") mean the adapter's own
// answers are not checked here; the httptest fake covers those. Install with
//
//	go install github.com/stripe/stripe-mock@v0.203.0
func TestStripeMock(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("stripe-mock")
	if err != nil {
		t.Skip("stripe-mock is not on PATH; install it with: go install github.com/stripe/stripe-mock@v0.203.0")
	}
	httpAddr, httpsAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-http-addr", httpAddr, "-https-addr", httpsAddr)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting stripe-mock: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	waitListening(t, httpAddr)

	rec := &statusRecorder{}
	p, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", BaseURL: "http://" + httpAddr,
		HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	tctx := t.Context()
	amount := booking.Money{Micros: 15_000_000, Currency: "USD"}
	ops := []struct {
		name string
		call func() error
	}{
		{"charge", func() error {
			_, err := p.Charge(tctx, booking.ChargeRequest{Token: "tok_visa", Amount: amount, IdempotencyKey: "m1", BookingID: "bk_1", Description: "Haircut"})
			return err
		}},
		{"authorize", func() error {
			_, err := p.Authorize(tctx, booking.ChargeRequest{Token: "tok_visa", Amount: amount, IdempotencyKey: "m2", BookingID: "bk_1"})
			return err
		}},
		{"capture", func() error {
			_, err := p.Capture(tctx, booking.CaptureRequest{AuthorizationID: "pi_123", Amount: amount, IdempotencyKey: "m3"})
			return err
		}},
		{"void", func() error {
			_, err := p.Void(tctx, booking.VoidRequest{AuthorizationID: "pi_123", IdempotencyKey: "m4"})
			return err
		}},
		{"save card", func() error {
			_, err := p.SaveCard(tctx, booking.SaveCardRequest{Token: "tok_visa", Email: "ada@example.com", IdempotencyKey: "m5", BookingID: "bk_1"})
			return err
		}},
		{"charge saved", func() error {
			_, err := p.ChargeSaved(tctx, booking.ChargeSavedRequest{Card: booking.SavedCard{CustomerID: "cus_123", PaymentMethodID: "pm_123"},
				Amount: amount, IdempotencyKey: "m6", BookingID: "bk_1"})
			return err
		}},
		{"refund", func() error {
			_, err := p.Refund(tctx, booking.RefundRequest{ChargeID: "pi_123", Amount: amount, IdempotencyKey: "m7"})
			return err
		}},
	}
	for _, op := range ops {
		err := op.call()
		if errors.Is(err, booking.ErrUnavailable) || errors.Is(err, booking.ErrInvalid) {
			t.Errorf("%s: %v", op.name, err)
		}
		t.Logf("%s: adapter answered %v (fixture states are not real outcomes)", op.name, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.statuses) < len(ops) {
		t.Fatalf("stripe-mock saw %d requests; want at least %d", len(rec.statuses), len(ops))
	}
	for _, s := range rec.statuses {
		if s[0] != '2' {
			t.Errorf("stripe-mock refused a request: %s", s)
		}
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitListening waits up to 10 s for addr to accept connections.
// waitListening waits for stripe-mock to listen. It parses Stripe's whole OpenAPI spec
// before it binds, which takes more than 10 s on a loaded CI machine; a minute bounds a
// hung start without failing a slow one.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("stripe-mock did not listen on %s within a minute", addr)
}
