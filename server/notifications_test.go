package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestNotificationsOverREST: the outbox is operable while the server runs. A merchant
// no-show queues a notification for Google, GET /v1/notifications?state=pending shows
// it; once it is a dead letter, ?state=dead shows it with its attempt and
// POST /v1/notifications/{id}:retry makes it pending again (once: a second retry finds
// no dead letter). The routes need the admin token.
func TestNotificationsOverREST(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		google, admin := basic(testUser, testPassword), "Bearer "+testAdmin
		create := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d"},
		"user_information":{"user_id":"u1","email":"u1@example.com"},"idempotency_token":"t1"}`, storetest.SlotFiveSpots, storetest.SlotDuration)
		code, _, body := b.do(t, "POST", "/v3/CreateBooking", google, create)
		var created struct {
			Booking struct {
				BookingID string `json:"booking_id"`
			} `json:"booking"`
		}
		if err := json.Unmarshal([]byte(body), &created); code != 200 || err != nil {
			t.Fatalf("create: %d %s", code, body)
		}
		if code, _, body = b.do(t, "POST", "/v1/bookings/"+created.Booking.BookingID+":markNoShow", admin, `{"request_id":"r1"}`); code != 200 {
			t.Fatalf("markNoShow: %d %s", code, body)
		}

		list := func(state string) []*bsv1.OutboxRecord {
			t.Helper()
			code, _, body := b.do(t, "GET", "/v1/notifications?state="+state, admin, "")
			var resp bsv1.ListNotificationsResponse
			if code != 200 || protojson.Unmarshal([]byte(body), &resp) != nil {
				t.Fatalf("list %s: %d %s", state, code, body)
			}
			return resp.GetRecords()
		}
		pending := list("pending")
		if len(pending) != 1 || pending[0].GetNotification().GetBookingId() != created.Booking.BookingID {
			t.Fatalf("pending = %v, want the no-show notification", pending)
		}
		if dead := list("dead"); len(dead) != 0 {
			t.Fatalf("dead = %v, want none", dead)
		}
		id := pending[0].GetId()
		if err := b.store.Outbox().Dead(t.Context(), id, &bsv1.Attempt{AtUnix: 1, Attempt: 1, Error: "HTTP 400: bad booking", HttpStatus: 400}); err != nil {
			t.Fatal(err)
		}
		dead := list("dead")
		if len(dead) != 1 || dead[0].GetId() != id || dead[0].GetAttempts()[0].GetError() != "HTTP 400: bad booking" {
			t.Fatalf("dead = %v, want the record with its attempt", dead)
		}

		path := fmt.Sprintf("/v1/notifications/%d:retry", id)
		code, _, body = b.do(t, "POST", path, admin, "{}")
		if code != 200 || !strings.Contains(body, `"state":"OUTBOX_STATE_PENDING"`) {
			t.Fatalf("retry: %d %s", code, body)
		}
		if p := list("pending"); len(p) != 1 || p[0].GetId() != id || len(p[0].GetAttempts()) != 1 {
			t.Fatalf("pending after retry = %v, want the record with its history", p)
		}
		if code, _, body = b.do(t, "POST", path, admin, "{}"); code != 404 {
			t.Errorf("second retry: %d %s, want 404", code, body)
		}
		if code, _, body = b.do(t, "GET", "/v1/notifications?state=delivered", admin, ""); code != 400 {
			t.Errorf("unknown state: %d %s, want 400", code, body)
		}
		if code, _, _ = b.do(t, "GET", "/v1/notifications?state=dead", google, ""); code != 401 {
			t.Errorf("list with Google's credentials: %d, want 401", code)
		}
	})
}
