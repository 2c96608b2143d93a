package server

import (
	"context"
	"strings"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/store"
)

// metricsMethod turns logCall's method into a bounded label: gRPC full method names
// pass through (the server only routes registered ones), HTTP "VERB /path" becomes its
// route (so booking ids and unknown paths never become label values).
func metricsMethod(transport, method string) string {
	if transport != "http" {
		return method
	}
	verb, path, _ := strings.Cut(method, " ")
	return verb + " " + httpRoute(path)
}

// httpRoute maps a request path to the route pattern that serves it, or "other".
func httpRoute(path string) string {
	switch {
	case path == "/healthz", path == "/metrics":
		return path
	case strings.HasPrefix(path, "/v3/"):
		name := strings.TrimPrefix(path, "/v3/")
		for _, m := range acv3.BookingService_ServiceDesc.Methods {
			if m.MethodName == name {
				return path
			}
		}
	case strings.HasPrefix(path, "/v1/feeds/"):
		if _, ok := feedKinds[strings.TrimPrefix(path, "/v1/feeds/")]; ok {
			return path
		}
	case strings.HasPrefix(path, "/v1/bookings/"):
		_, action, found := strings.Cut(strings.TrimPrefix(path, "/v1/bookings/"), ":")
		switch {
		case !found:
			return "/v1/bookings/{booking_id}"
		case action == "markNoShow", action == "cancel", action == "refund", action == "confirm", action == "decline":
			return "/v1/bookings/{booking_id}:" + action
		}
	}
	return "other"
}

// observeBooking records the outcome of CreateBooking or UpdateBooking.
func observeBooking(m *metrics.Metrics, method string, failure *acv3.BookingFailure, err error) {
	switch {
	case err != nil:
		m.ObserveBooking(method, "error")
	case failure != nil:
		m.ObserveBooking(method, failure.GetCause().String())
	default:
		m.ObserveBooking(method, "success")
	}
}

// observeBatchAvailability records one BatchAvailabilityLookup answer.
func observeBatchAvailability(m *metrics.Metrics, req *acv3.BatchAvailabilityLookupRequest, resp *acv3.BatchAvailabilityLookupResponse) {
	available := 0
	for _, a := range resp.GetSlotTimeAvailability() {
		if a.GetAvailable() {
			available++
		}
	}
	m.ObserveAvailability("BatchAvailabilityLookup", len(req.GetSlotTime()), available)
}

// observeCheckAvailability records one CheckAvailability answer.
func observeCheckAvailability(m *metrics.Metrics, resp *acv3.CheckAvailabilityResponse, err error) {
	available := 0
	if err == nil && resp.GetCountAvailable() > 0 {
		available = 1
	}
	m.ObserveAvailability("CheckAvailability", 1, available)
}

// meteredFeeds records every feed upload in the feed load series.
type meteredFeeds struct {
	next    FeedLoader
	metrics *metrics.Metrics
}

// LoadFeed applies the feed and records its duration, records and result.
func (f meteredFeeds) LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (store.LoadSummary, error) {
	start := time.Now()
	sum, err := f.next.LoadFeed(ctx, kind, data)
	f.metrics.ObserveFeedLoad(FeedKindName(kind), time.Since(start), sum.Records, err)
	return sum, err
}

// FeedKindName is the feed kind's label value ("merchant", "service", "availability").
func FeedKindName(kind bsv1.FeedKind) string {
	for name, k := range feedKinds {
		if k == kind {
			return name
		}
	}
	return "unknown"
}
