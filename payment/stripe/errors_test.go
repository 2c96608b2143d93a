package stripe_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/stripe"
	"github.com/bookingserver/bookingserver/payment/stripe/stripetest"
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		inject  func(f *stripetest.Fake)
		wantIs  error // nil: a plain error
		wantNot []error
	}{
		{name: "500 api error", wantIs: booking.ErrUnavailable, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusInternalServerError, `{"error":{"type":"api_error","message":"Something went wrong on Stripe's end."}}`)
		}},
		{name: "503 html", wantIs: booking.ErrUnavailable, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusServiceUnavailable, `<html>upstream unavailable</html>`)
		}},
		{name: "429 lock timeout", wantIs: booking.ErrUnavailable, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusTooManyRequests, `{"error":{"type":"invalid_request_error","code":"lock_timeout","message":"This object cannot be accessed right now because another API request or Stripe process is currently accessing it."}}`)
		}},
		{name: "429 rate limit", wantIs: booking.ErrUnavailable, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusTooManyRequests, `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}`)
		}},
		{name: "connection dropped", wantIs: booking.ErrUnavailable, inject: func(f *stripetest.Fake) { f.DropNextConnection() }},
		{name: "400 invalid request", wantNot: []error{booking.ErrUnavailable, booking.ErrDeclined}, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusBadRequest, `{"error":{"type":"invalid_request_error","code":"parameter_unknown","param":"foo","message":"Received unknown parameter: foo"}}`)
		}},
		{name: "401 bad key", wantNot: []error{booking.ErrUnavailable, booking.ErrDeclined}, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusUnauthorized, `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****"}}`)
		}},
		{name: "400 idempotency error", wantIs: booking.ErrConflict, wantNot: []error{booking.ErrUnavailable}, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusBadRequest, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`)
		}},
		{name: "402 card error", wantIs: booking.ErrDeclined, wantNot: []error{booking.ErrUnavailable}, inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusPaymentRequired, `{"error":{"type":"card_error","code":"card_declined","decline_code":"do_not_honor","message":"Your card was declined."}}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tt.inject(b.fake)
			_, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(10, 0), IdempotencyKey: "k"})
			if err == nil || tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("Charge: %v; want %v", err, tt.wantIs)
			}
			for _, not := range tt.wantNot {
				if errors.Is(err, not) {
					t.Fatalf("Charge: %v; must not be %v", err, not)
				}
			}
		})
	}
}

// TestRetryAfterServerError: a 500 is retryable, and the retry with the same key
// charges once.
func TestRetryAfterServerError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		inject func(f *stripetest.Fake)
	}{
		{name: "500 on the payment method", inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusInternalServerError, `{"error":{"type":"api_error","message":"Something went wrong"}}`)
		}},
		{name: "500 on the payment intent", inject: func(f *stripetest.Fake) {
			f.FailNext(http.StatusOK, `{"id":"pm_first","object":"payment_method","type":"card"}`)
			f.FailNext(http.StatusInternalServerError, `{"error":{"type":"api_error","message":"Something went wrong"}}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tt.inject(b.fake)
			req := booking.ChargeRequest{Token: "tok_visa", Amount: usd(10, 0), IdempotencyKey: "k", BookingID: "bk_1"}
			if _, err := b.p.Charge(b.ctx, req); !errors.Is(err, booking.ErrUnavailable) {
				t.Fatalf("first Charge: %v; want booking.ErrUnavailable", err)
			}
			if _, err := b.p.Charge(b.ctx, req); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if n := b.fake.Created(); n != 1 {
				t.Fatalf("%d PaymentIntents created; want 1", n)
			}
		})
	}
}

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	b := setup(t)
	first := b.charge(t, "bk_1:charge", usd(10, 0))
	again := b.charge(t, "bk_1:charge", usd(10, 0))
	if first != again || b.fake.Created() != 1 {
		t.Fatalf("replay = %+v after %+v, %d PaymentIntents; want the same transaction, 1 PaymentIntent", again, first, b.fake.Created())
	}
	_, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(11, 0), IdempotencyKey: "bk_1:charge", BookingID: "bk_1"})
	if !errors.Is(err, booking.ErrConflict) || b.fake.Created() != 1 {
		t.Fatalf("same key, other amount: %v; want booking.ErrConflict and no new PaymentIntent", err)
	}
}

func TestContextDeadline(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	defer close(block)
	p, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = p.Charge(ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(10, 0), IdempotencyKey: "k"})
	if !errors.Is(err, booking.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Charge past its deadline: %v; want booking.ErrUnavailable and context.DeadlineExceeded", err)
	}
}
