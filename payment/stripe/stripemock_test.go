package stripe_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/stripe"
)

// statusRecorder is an http.RoundTripper that sends through next and keeps every
// response's status.
type statusRecorder struct {
	next     http.RoundTripper
	mu       sync.Mutex
	statuses []string
}

func (s *statusRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := s.next.RoundTrip(r)
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
	sock := startStripeMock(t, bin)

	rec := &statusRecorder{next: unixTransport(t, sock)}
	// The host is never resolved: every connection dials sock.
	p, err := stripe.New(stripe.Config{SecretKey: "sk_test_123", BaseURL: "http://stripe-mock",
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

// startStripeMock starts stripe-mock serving HTTP (only; the client speaks nothing
// else) on a Unix socket in the test's temporary directory, and returns the socket's
// path once stripe-mock's output says it listens there. The path is the test's own,
// where a TCP port picked free before stripe-mock bound it could be taken by another
// socket in between (CI: address already in use). (Port 0, read back from the same
// output line, would do as well; a path needs neither a port nor parsing.)
// stripe-mock parses Stripe's whole OpenAPI spec before it binds, which takes more
// than 10 s on a loaded CI machine: a minute bounds a hung start without failing a
// slow one, and a stripe-mock that exits fails the test at once with its stderr. The
// process is killed at the end of the test.
func startStripeMock(t *testing.T, bin string) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "stripe-mock.sock")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-http-unix", sock)
	out := &lineWatcher{want: []byte("Listening for HTTP on Unix socket: " + sock + "\n"), seen: make(chan struct{})}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting stripe-mock: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	select {
	case <-out.seen:
		return sock
	case <-exited:
		t.Fatalf("stripe-mock exited before it listened: %v\n%s", waitErr, stderr.Bytes())
	case <-time.After(time.Minute):
		t.Fatalf("stripe-mock did not listen on %s within a minute", sock)
	}
	return ""
}

// lineWatcher is an io.Writer (a process's output) that closes seen once the output
// holds want.
type lineWatcher struct {
	want []byte
	seen chan struct{}
	mu   sync.Mutex
	buf  []byte
	done bool
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if !w.done && bytes.Contains(w.buf, w.want) {
		w.done = true
		close(w.seen)
	}
	return len(p), nil
}

// unixTransport is an http.Transport whose every connection dials the Unix socket
// sock, whatever the request's host; its idle connections close at the end of the test.
func unixTransport(t *testing.T, sock string) *http.Transport {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}
