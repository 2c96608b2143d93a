// Package metrics owns bookingserver's Prometheus registry and every series it exports.
// One Metrics value is built at start-up and handed to the pieces that record into it
// (server, feed loads, the payment processor decorator, the notifier collector); nothing
// registers into a global registry, so tests can build as many as they like.
//
// Every method is safe on a nil *Metrics and then records nothing, so components work
// unchanged when metrics are not wired.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every series name.
const namespace = "bookingserver"

// latencyBuckets (seconds) resolve Google's limits: lookups under 1.5 s, bookings under 4 s.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 1.5, 2.5, 4, 10}

// Metrics is the registry and the series recorded into it.
type Metrics struct {
	reg *prometheus.Registry

	rpcRequests *prometheus.CounterVec
	rpcDuration *prometheus.HistogramVec

	bookings       *prometheus.CounterVec
	availLookups   *prometheus.CounterVec
	availAsked     *prometheus.CounterVec
	availAvailable *prometheus.CounterVec

	feedDuration *prometheus.HistogramVec
	feedRecords  *prometheus.CounterVec
	feedErrors   *prometheus.CounterVec

	payments        *prometheus.CounterVec
	webhooks        *prometheus.CounterVec
	paymentDuration *prometheus.HistogramVec
}

// New builds a registry with the Go runtime and process collectors and every
// bookingserver series.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.rpcRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "rpc_requests_total",
		Help: "Calls served, by transport (grpc, rest), method and code (gRPC code name, or HTTP status for rest).",
	}, []string{"transport", "method", "code"})
	m.rpcDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "rpc_duration_seconds",
		Help:    "Call latency, by transport, method and code.",
		Buckets: latencyBuckets,
	}, []string{"transport", "method", "code"})
	m.bookings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "booking_outcomes_total",
		Help: "CreateBooking and UpdateBooking answers, by method and outcome: success, a booking_failure cause (e.g. SLOT_UNAVAILABLE), or error (a gRPC error status).",
	}, []string{"method", "outcome"})
	m.availLookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "availability_lookups_total",
		Help: "Availability calls answered (BatchAvailabilityLookup, CheckAvailability).",
	}, []string{"method"})
	m.availAsked = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "availability_slots_asked_total",
		Help: "Slot times asked for by availability calls.",
	}, []string{"method"})
	m.availAvailable = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "availability_slots_available_total",
		Help: "Slot times answered as available.",
	}, []string{"method"})
	m.feedDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "feed_load_duration_seconds",
		Help:    "Feed loads (upload endpoint and serve --feeds), by kind and result (ok, error).",
		Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 120, 300},
	}, []string{"kind", "result"})
	m.feedRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "feed_records_applied_total",
		Help: "Merchants, services or slots (recurrences expanded) applied by feed loads.",
	}, []string{"kind"})
	m.feedErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "feed_load_errors_total",
		Help: "Feed loads refused (invalid feed) or failed.",
	}, []string{"kind"})
	m.payments = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "payments_total",
		Help: "Payment processor calls, by processor, operation (charge, authorize, capture, void, save_card, charge_saved, refund) and outcome (ok, declined, unavailable, error).",
	}, []string{"processor", "operation", "outcome"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "gateway_webhook_events_total",
		Help: "Verified gateway webhook events, by gateway, event (collected, failed, refunded, refund_failed, pending) and outcome (applied, duplicate, ignored); refund_failed applied counts the refunds a gateway rejected and the ledger reversed.",
	}, []string{"gateway", "event", "outcome"})
	m.paymentDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "payment_duration_seconds",
		Help:    "Payment processor call latency, by processor and operation.",
		Buckets: latencyBuckets,
	}, []string{"processor", "operation"})

	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.rpcRequests, m.rpcDuration,
		m.bookings, m.availLookups, m.availAsked, m.availAvailable,
		m.feedDuration, m.feedRecords, m.feedErrors,
		m.payments, m.paymentDuration, m.webhooks,
	)
	return m
}

// Registry is the registry, for tests and for extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats. It does no
// authentication: the server decides who may call it.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveRPC records one call. method must come from a bounded set (a gRPC full method
// name or a route pattern, never a raw URL path).
func (m *Metrics) ObserveRPC(transport, method, code string, d time.Duration) {
	if m == nil {
		return
	}
	m.rpcRequests.WithLabelValues(transport, method, code).Inc()
	m.rpcDuration.WithLabelValues(transport, method, code).Observe(d.Seconds())
}

// ObserveBooking records a CreateBooking or UpdateBooking outcome: "success", a
// BookingFailure cause name, or "error".
func (m *Metrics) ObserveBooking(method, outcome string) {
	if m == nil {
		return
	}
	m.bookings.WithLabelValues(method, outcome).Inc()
}

// ObserveAvailability records one availability call: how many slot times were asked
// for and how many were answered as available.
func (m *Metrics) ObserveAvailability(method string, asked, available int) {
	if m == nil {
		return
	}
	m.availLookups.WithLabelValues(method).Inc()
	m.availAsked.WithLabelValues(method).Add(float64(asked))
	m.availAvailable.WithLabelValues(method).Add(float64(available))
}

// ObserveFeedLoad records one feed load of kind ("merchant", "service",
// "availability"): its duration, the records it applied, and whether it failed.
func (m *Metrics) ObserveFeedLoad(kind string, d time.Duration, records int, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
		m.feedErrors.WithLabelValues(kind).Inc()
	}
	m.feedDuration.WithLabelValues(kind, result).Observe(d.Seconds())
	m.feedRecords.WithLabelValues(kind).Add(float64(records))
}

// ObservePayment records one processor call.
func (m *Metrics) ObservePayment(processor, operation, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.payments.WithLabelValues(processor, operation, outcome).Inc()
	m.paymentDuration.WithLabelValues(processor, operation).Observe(d.Seconds())
}

// ObserveWebhookEvent records one verified gateway webhook event and what it did.
func (m *Metrics) ObserveWebhookEvent(gateway, event, outcome string) {
	if m == nil {
		return
	}
	m.webhooks.WithLabelValues(gateway, event, outcome).Inc()
}
