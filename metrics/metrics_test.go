package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/notifier"
)

// fakeProcessor declines tokens named "tok_decline" and fails refunds.
type fakeProcessor struct{ booking.Processor }

func (fakeProcessor) Name() string { return "fake" }

func (fakeProcessor) Charge(_ context.Context, req booking.ChargeRequest) (booking.Transaction, error) {
	if req.Token == "tok_decline" {
		return booking.Transaction{}, &booking.DeclineError{Code: "card_declined"}
	}
	return booking.Transaction{ID: "ch_1", Amount: req.Amount}, nil
}

func (fakeProcessor) Refund(context.Context, booking.RefundRequest) (booking.Transaction, error) {
	return booking.Transaction{}, fmt.Errorf("processor down: %w", booking.ErrUnavailable)
}

func get(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func wantSeries(t *testing.T, body string, series ...string) {
	t.Helper()
	for _, s := range series {
		if !strings.Contains(body, s+"\n") {
			t.Errorf("scrape lacks %q", s)
		}
	}
}

func TestInstrumentProcessor(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	if metrics.InstrumentProcessor(nil, m) != nil {
		t.Fatal("a nil processor must stay nil")
	}
	p := metrics.InstrumentProcessor(fakeProcessor{}, m)
	ctx := t.Context()
	usd := booking.Money{Micros: 15_000_000, Currency: "USD"}
	if _, err := p.Charge(ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Charge(ctx, booking.ChargeRequest{Token: "tok_decline", Amount: usd}); err == nil {
		t.Fatal("want a decline")
	}
	if _, err := p.Refund(ctx, booking.RefundRequest{ChargeID: "ch_1", Amount: usd}); err == nil {
		t.Fatal("want an error")
	}
	wantSeries(t, get(t, m),
		`bookingserver_payments_total{operation="charge",outcome="ok",processor="fake"} 1`,
		`bookingserver_payments_total{operation="charge",outcome="declined",processor="fake"} 1`,
		`bookingserver_payments_total{operation="refund",outcome="unavailable",processor="fake"} 1`,
		`bookingserver_payment_duration_seconds_count{operation="charge",processor="fake"} 2`,
	)
}

func TestNotifierCollector(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	counts := make([]uint64, len(notifier.LatencyBuckets))
	for i := range counts {
		counts[i] = 3 // all three deliveries took at most 5 ms
	}
	m.RegisterNotifier(func() notifier.Stats {
		return notifier.Stats{Pending: 4, Dead: 1, Delivered: 3, Retried: 2, DeadLettered: 1,
			LatencyCounts: counts, LatencyCount: 3, LatencySum: 12 * time.Millisecond}
	})
	wantSeries(t, get(t, m),
		`bookingserver_notifier_pending 4`,
		`bookingserver_notifier_dead 1`,
		`bookingserver_notifier_delivered_total 3`,
		`bookingserver_notifier_retried_total 2`,
		`bookingserver_notifier_dead_lettered_total 1`,
		`bookingserver_notifier_delivery_latency_seconds_bucket{le="0.005"} 3`,
		`bookingserver_notifier_delivery_latency_seconds_count 3`,
	)
}

func TestNilMetricsRecordsNothing(t *testing.T) {
	t.Parallel()
	var m *metrics.Metrics
	m.ObserveRPC("grpc", "/x", "OK", time.Millisecond)
	m.ObserveBooking("CreateBooking", "success")
	m.ObserveAvailability("CheckAvailability", 1, 1)
	m.ObserveFeedLoad("merchant", time.Second, 1, nil)
	m.ObservePayment("fake", "charge", "ok", time.Millisecond)
	m.RegisterNotifier(nil)
}
