package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestConfirmOverREST: a booking of an asynchronous slot, made through Google's REST
// API, awaits the merchant; the merchant confirms it on the :confirm route
// (idempotently on request_id), Google's notification is queued, and a second
// confirmation or a decline is refused with the reason.
func TestConfirmOverREST(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		async := fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
		 "service_availability":[{"availability":[{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d",
		   "spots_total":"2","spots_open":"2","confirmation_mode":"CONFIRMATION_MODE_ASYNCHRONOUS"}]}]}`, storetest.SlotOther, storetest.SlotDuration)
		if _, err := b.store.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, []byte(async)); err != nil {
			t.Fatal(err)
		}
		google, admin := basic(testUser, testPassword), "Bearer "+testAdmin
		create := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d"},
			"user_information":{"user_id":"u1","email":"u1@example.com"},"idempotency_token":"t1"}`, storetest.SlotOther, storetest.SlotDuration)
		code, _, body := b.do(t, "POST", "/v3/CreateBooking", google, create)
		var created struct {
			Booking struct {
				BookingID string `json:"booking_id"`
				Status    string `json:"status"`
			} `json:"booking"`
		}
		if err := json.Unmarshal([]byte(body), &created); code != 200 || err != nil || created.Booking.Status != "PENDING_MERCHANT_CONFIRMATION" {
			t.Fatalf("create: %d %s", code, body)
		}
		id := created.Booking.BookingID
		path := "/v1/bookings/" + id
		for range 2 {
			code, _, body = b.do(t, "POST", path+":confirm", admin, `{"request_id":"r1"}`)
			if code != 200 || !strings.Contains(body, `"status":"CONFIRMED"`) {
				t.Fatalf("confirm: %d %s", code, body)
			}
		}
		code, _, body = b.do(t, "POST", "/v3/GetBookingStatus", google, `{"booking_id":"`+id+`"}`)
		if code != 200 || !strings.Contains(body, `"booking_status":"CONFIRMED"`) {
			t.Errorf("status: %d %s", code, body)
		}
		for _, action := range []string{":confirm", ":decline"} {
			code, _, body = b.do(t, "POST", path+action, admin, `{"request_id":"r2"}`)
			if code != 400 || !strings.Contains(body, "not awaiting the merchant") {
				t.Errorf("%s a confirmed booking: %d %s", action, code, body)
			}
		}
		if code, _, _ = b.do(t, "POST", path+":confirm", google, `{"request_id":"r3"}`); code != 401 && code != 403 {
			t.Errorf("confirm with Google's credentials: %d, want refused", code)
		}
		recs, err := b.store.Outbox().ListPending(t.Context())
		if err != nil || len(recs) != 1 {
			t.Fatalf("outbox: %v %v, want one notification", recs, err)
		}
		if n := recs[0].GetNotification(); n.GetBookingId() != id || n.GetStatus().String() != "CONFIRMED" || !slices.Equal(n.GetUpdateMask(), []string{"status"}) {
			t.Errorf("notification: %v", n)
		}
		if fixed, err := b.store.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Errorf("reconcile: %d %v", fixed, err)
		}
	})
}
