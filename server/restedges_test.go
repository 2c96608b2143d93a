package server_test

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestRESTEdges: trailing data after the JSON object is a 400 that books nothing; a
// wrong method is 405 with Allow; public messages carry no internal suffix.
func TestRESTEdges(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		google := basic(testUser, testPassword)
		create := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d"},
		"user_information":{"user_id":"u1","email":"u1@example.com"},"idempotency_token":"t1"}`, storetest.SlotFiveSpots, storetest.SlotDuration)
		for _, tail := range []string{"garbage", `{"idempotency_token":"t2"}`, "]"} {
			if code, _, body := b.do(t, "POST", "/v3/CreateBooking", google, create+tail); code != 400 || !strings.Contains(body, "after the JSON object") {
				t.Errorf("trailing %q: %d %s", tail, code, body)
			}
		}
		batch := fmt.Sprintf(`{"merchant_id":"m1","slot_time":[{"service_id":"haircut","start_sec":"%d","duration_sec":"%d"}]}`, storetest.SlotFiveSpots, storetest.SlotDuration)
		if code, _, body := b.do(t, "POST", "/v3/BatchAvailabilityLookup", google, batch+"x"); code != 400 {
			t.Errorf("lookup with trailing data: %d %s", code, body)
		}
		if code, _, body := b.do(t, "POST", "/v3/ListBookings", google, `{"user_id":"u1"}`); code != 200 || strings.Contains(body, "booking_id") {
			t.Errorf("a refused request booked: %d %s", code, body)
		}
		// Whitespace after the object is fine.
		if code, _, body := b.do(t, "POST", "/v3/CreateBooking", google, create+" \n"); code != 200 || !strings.Contains(body, `"status":"CONFIRMED"`) {
			t.Errorf("trailing whitespace: %d %s", code, body)
		}

		for _, tt := range []struct{ method, path, auth, allow string }{
			{"GET", "/v3/CreateBooking", google, "POST"},
			{"PUT", "/v3/HealthCheck", google, "GET, POST"},
			// GET and PUT route too: to GetBooking and UpdateMerchantBooking of booking "bk1:cancel".
			{"DELETE", "/v1/bookings/bk1:cancel", "Bearer " + testAdmin, "GET, POST, PUT"},
		} {
			code, h, body := b.do(t, tt.method, tt.path, tt.auth, "{}")
			if code != 405 || h.Get("Allow") != tt.allow || !strings.Contains(body, "not allowed") {
				t.Errorf("%s %s: %d Allow=%q %s, want 405 Allow=%q", tt.method, tt.path, code, h.Get("Allow"), body, tt.allow)
			}
		}

		code, _, body := b.do(t, "POST", "/v3/BatchAvailabilityLookup", google, `{"merchant_id":"nope","slot_time":[]}`)
		if code != 400 || !strings.Contains(body, `unknown merchant_id`) || strings.Contains(body, "invalid argument") {
			t.Errorf("unknown merchant: %d %s", code, body)
		}
		code, _, body = b.do(t, "POST", "/v1/bookings/nope:cancel", "Bearer "+testAdmin, `{}`)
		if code != 400 || !strings.Contains(body, `"booking_id and request_id are required"`) {
			t.Errorf("no request_id: %d %s", code, body)
		}
	})
}

// TestClientErrorsAreNotLoggedAsErrors is not parallel: it captures the process's slog
// output. A 4xx is the caller's mistake; only a server fault is logged at ERROR.
func TestClientErrorsAreNotLoggedAsErrors(t *testing.T) {
	var logs syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	eachStore(t, func(t *testing.T, b *bundle) {
		google := basic(testUser, testPassword)
		for _, r := range []struct{ method, path, body string }{
			{"POST", "/v3/CreateBooking", `{"slot":`},
			{"POST", "/v3/CreateBooking", `{}garbage`},
			{"POST", "/v3/CreateBooking", `{"slot":{"merchant_id":"nope","service_id":"s","start_sec":"1","duration_sec":"1"},"idempotency_token":"t","user_information":{"user_id":"u"}}`},
			{"GET", "/v3/CreateBooking", ``},
			{"POST", "/v3/GetBookingStatus", `{"booking_id":"nope"}`},
			{"POST", "/v3/NoSuchMethod", `{}`},
		} {
			if code, _, body := b.do(t, r.method, r.path, google, r.body); code < 400 || code >= 500 {
				t.Errorf("%s %s %s: %d %s, want a 4xx", r.method, r.path, r.body, code, body)
			}
		}
		if strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("a client error was logged at ERROR:\n%s", logs.String())
		}
		if !strings.Contains(logs.String(), `"code":"400"`) {
			t.Errorf("log capture saw no call: %s", logs.String())
		}
	})
}
