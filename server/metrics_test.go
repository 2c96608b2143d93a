package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// startMetered starts a fixture server over st on httpAddr with its own Metrics.
func startMetered(t *testing.T, httpAddr string, st store.Backend) (*server.Server, *metrics.Metrics) {
	t.Helper()
	storetest.LoadFixture(t, st)
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	srv, err := server.New(server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: httpAddr, Insecure: true,
		Credentials: server.Credentials{BasicUser: testUser, BasicPassword: testPassword, AdminToken: testAdmin},
	}, server.Deps{Bookings: core, Feeds: st, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	return srv, m
}

// scrape GETs /metrics over HTTP and returns its status and body.
func scrape(t *testing.T, url, authorization string) (int, string) {
	t.Helper()
	b := &bundle{baseURL: url}
	code, _, body := b.do(t, "GET", "/metrics", authorization, "")
	return code, body
}

// TestMetricsAfterCalls makes gRPC and REST calls, then scrapes /metrics over HTTP and
// checks the series and their values, on each store: the booking outcomes, slots
// available and feed loads counted are the store's answers.
func TestMetricsAfterCalls(t *testing.T) {
	t.Parallel()
	storetest.Each(t, metricsAfterCalls)
}

func metricsAfterCalls(t *testing.T, st store.Backend) {
	srv, _ := startMetered(t, "127.0.0.1:0", st)
	b := &bundle{baseURL: "http://" + srv.HTTPAddr()}
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := acv3.NewBookingServiceClient(conn)
	ctx := b.googleCtx()

	// gRPC: one success, one SLOT_UNAVAILABLE (the one-spot slot is taken).
	if resp, err := client.CreateBooking(ctx, bookReq(storetest.SlotOneSpot, "u1", "t1")); err != nil || resp.GetBooking() == nil {
		t.Fatalf("first booking: %v %v", resp, err)
	}
	if resp, err := client.CreateBooking(ctx, bookReq(storetest.SlotOneSpot, "u2", "t2")); err != nil || resp.GetBookingFailure().GetCause() != acv3.BookingFailure_SLOT_UNAVAILABLE {
		t.Fatalf("second booking: %v %v", resp, err)
	}
	// REST: a lookup of three slot times, one of them now full; a wrong password.
	good := basic(testUser, testPassword)
	lookup := fmt.Sprintf(`{"merchant_id":"m1","slot_time":[{"service_id":"haircut","start_sec":"%d","duration_sec":"1800"},{"service_id":"haircut","start_sec":"%d","duration_sec":"1800"},{"service_id":"haircut","start_sec":"%d","duration_sec":"1800"}]}`,
		storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther)
	if code, _, body := b.do(t, "POST", "/v3/BatchAvailabilityLookup", good, lookup); code != 200 {
		t.Fatalf("lookup: %d %s", code, body)
	}
	if code, _, _ := b.do(t, "POST", "/v3/HealthCheck", basic(testUser, "wrong"), "{}"); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	// Merchant API: an unknown booking id must not become a label value; feed uploads.
	b.do(t, "GET", "/v1/bookings/bk_secret123", "Bearer "+testAdmin, "")
	feed := `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000100"},"merchant":[{"merchant_id":"m2","name":"Two"}]}`
	if code, _, body := b.do(t, "POST", "/v1/feeds/merchant", "Bearer "+testAdmin, feed); code != 200 {
		t.Fatalf("feed upload: %d %s", code, body)
	}
	b.do(t, "POST", "/v1/feeds/availability", "Bearer "+testAdmin, "not json")

	code, body := scrape(t, b.baseURL, "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics on loopback: %d, want 200 without credentials", code)
	}
	for _, want := range []string{
		`bookingserver_rpc_requests_total{code="OK",method="/actionscenter.v3.BookingService/CreateBooking",transport="grpc"} 2`,
		`bookingserver_rpc_duration_seconds_count{code="OK",method="/actionscenter.v3.BookingService/CreateBooking",transport="grpc"} 2`,
		`bookingserver_rpc_requests_total{code="200",method="POST /v3/BatchAvailabilityLookup",transport="http"} 1`,
		`bookingserver_rpc_requests_total{code="401",method="POST /v3/HealthCheck",transport="http"} 1`,
		`bookingserver_rpc_requests_total{code="404",method="GET /v1/bookings/{booking_id}",transport="http"} 1`,
		`bookingserver_booking_outcomes_total{method="CreateBooking",outcome="success"} 1`,
		`bookingserver_booking_outcomes_total{method="CreateBooking",outcome="SLOT_UNAVAILABLE"} 1`,
		`bookingserver_availability_lookups_total{method="BatchAvailabilityLookup"} 1`,
		`bookingserver_availability_slots_asked_total{method="BatchAvailabilityLookup"} 3`,
		`bookingserver_availability_slots_available_total{method="BatchAvailabilityLookup"} 2`,
		`bookingserver_feed_load_duration_seconds_count{kind="merchant",result="ok"} 1`,
		`bookingserver_feed_records_applied_total{kind="merchant"} 1`,
		`bookingserver_feed_load_errors_total{kind="availability"} 1`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "bk_secret123") {
		t.Error("/metrics leaks a booking id from a URL path")
	}
}

// TestMetricsAccess: /metrics needs the admin token when the HTTP listener is not
// loopback. Access is the server's, not the store's: bbolt only.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	srv, _ := startMetered(t, "0.0.0.0:0", storetest.New(t))
	_, port, _ := strings.Cut(srv.HTTPAddr(), "]:")
	if port == "" {
		_, port, _ = strings.Cut(srv.HTTPAddr(), ":")
	}
	url := "http://127.0.0.1:" + port
	for _, tt := range []struct {
		name, auth string
		want       int
	}{
		{"no credentials", "", 401},
		{"Google's basic credentials", basic(testUser, testPassword), 401},
		{"wrong token", "Bearer nope", 401},
		{"admin token", "Bearer " + testAdmin, 200},
	} {
		if code, _ := scrape(t, url, tt.auth); code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, code, tt.want)
		}
	}
}
