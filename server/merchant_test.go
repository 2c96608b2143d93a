package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestMerchantActionsOverREST: a booking made through Google's REST API is marked a
// no-show through the merchant API's custom-verb route, idempotently on request_id.
func TestMerchantActionsOverREST(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		google, admin := basic(testUser, testPassword), "Bearer "+testAdmin
		create := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d"},
		"user_information":{"user_id":"u1","email":"u1@example.com"},"idempotency_token":"t1"}`, storetest.SlotFiveSpots, storetest.SlotDuration)
		code, _, body := b.do(t, "POST", "/v3/CreateBooking/", google, create)
		var created struct {
			Booking struct {
				BookingID string `json:"booking_id"`
			} `json:"booking"`
		}
		if err := json.Unmarshal([]byte(body), &created); code != 200 || err != nil || created.Booking.BookingID == "" {
			t.Fatalf("create: %d %s", code, body)
		}
		path := "/v1/bookings/" + created.Booking.BookingID
		for range 2 {
			code, _, body = b.do(t, "POST", path+":markNoShow", admin, `{"request_id":"r1"}`)
			if code != 200 || !strings.Contains(body, `"status":"NO_SHOW"`) {
				t.Fatalf("markNoShow: %d %s", code, body)
			}
		}
		code, _, body = b.do(t, "GET", path, admin, "")
		if code != 200 || !strings.Contains(body, `"applied_request_ids":["r1"]`) {
			t.Errorf("get: %d %s", code, body)
		}
		// A finished booking cannot be cancelled by the merchant: 400 with the reason.
		code, _, body = b.do(t, "POST", path+":cancel", admin, `{"request_id":"r2"}`)
		if code != 400 || !strings.Contains(body, "cannot be cancelled") {
			t.Errorf("cancel after no-show: %d %s", code, body)
		}
		// r1 marked the no-show: reused for a cancel it is refused (409), naming what it did.
		code, _, body = b.do(t, "POST", path+":cancel", admin, `{"request_id":"r1"}`)
		if code != 409 || !strings.Contains(body, "already used for no-show of booking "+created.Booking.BookingID) {
			t.Errorf("cancel with the no-show's request_id: %d %s", code, body)
		}
		// Google's GetBookingStatus sees it.
		code, _, body = b.do(t, "POST", "/v3/GetBookingStatus", google, `{"booking_id":"`+created.Booking.BookingID+`"}`)
		if code != 200 || !strings.Contains(body, `"booking_status":"NO_SHOW"`) {
			t.Errorf("status: %d %s", code, body)
		}
	})
}
