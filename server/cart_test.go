package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// fakeClock is the injected clock of the cart tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// cartBundle is a running server over a store that the test can close and reopen
// (a restart), with an injected clock.
type cartBundle struct {
	*bundle
	core   *booking.Service
	clock  *fakeClock
	open   storetest.Opener
	limits booking.CartLimits
	stop   func()
}

// cartSetup starts a server over a fresh store with the fixture feeds, the clock one day
// before the fixture slots, and the cart configured for m1/haircut (25 USD).
func cartSetup(t *testing.T, open storetest.Opener, limits booking.CartLimits) *cartBundle {
	t.Helper()
	c := &cartBundle{clock: &fakeClock{now: time.Unix(storetest.SlotOneSpot-86400, 0)}, open: open, limits: limits}
	c.start(t, true)
	t.Cleanup(func() { c.stop() })
	c.mustDo(t, "PUT", "/v1/merchants/m1/cart", `{"callback_url":"https://shop.example/cart/add?src=booking"}`, 200)
	c.mustDo(t, "PUT", "/v1/merchants/m1/services/haircut/cart", `{"enabled":true,"product_id":"SKU-CUT","amount":{"price_micros":"25000000","currency_code":"USD"}}`, 200)
	return c
}

// start opens the store and serves; stop (set here) shuts down and closes the store,
// after checking the slot-count invariant.
func (c *cartBundle) start(t *testing.T, fixture bool) {
	t.Helper()
	st, err := c.open()
	if err != nil {
		t.Fatal(err)
	}
	if fixture {
		storetest.LoadFixture(t, st)
	}
	c.core, err = booking.New(booking.Config{Store: st, Now: c.clock.Now, CartLimits: c.limits})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: testUser, BasicPassword: testPassword, AdminToken: testAdmin},
	}, server.Deps{Bookings: c.core, Feeds: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c.bundle = &bundle{store: st, baseURL: "http://" + srv.HTTPAddr()}
	c.stop = func() {
		if err := srv.Shutdown(); err != nil {
			t.Error(err)
		}
		if fixed, err := st.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Errorf("Reconcile: %d fixes, %v", fixed, err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
		c.stop = func() {}
	}
}

// restart closes the server and the store and opens them again.
func (c *cartBundle) restart(t *testing.T) {
	t.Helper()
	c.stop()
	c.start(t, false)
}

// mustDo calls the merchant API and decodes the JSON answer, failing unless the status is want.
func (c *cartBundle) mustDo(t *testing.T, method, path, body string, want int) map[string]any {
	t.Helper()
	code, _, out := c.do(t, method, path, "Bearer "+testAdmin, body)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, out)
	}
	m := map[string]any{}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, out)
	}
	return m
}

// book creates a merchant booking and returns the answer.
func (c *cartBundle) book(t *testing.T, start int64, user, method, requestID string) map[string]any {
	t.Helper()
	body := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800"},
		"user_information":{"user_id":%q,"email":%q,"given_name":"Ann"},"payment_method":%q,"request_id":%q}`, start, user, user+"@example.com", method, requestID)
	return c.mustDo(t, "POST", "/v1/bookings", body, 200)
}

// available asks BatchAvailabilityLookup (as Google) whether a slot can be booked.
func (c *cartBundle) available(t *testing.T, start int64) bool {
	t.Helper()
	body := fmt.Sprintf(`{"merchant_id":"m1","slot_time":[{"service_id":"haircut","start_sec":"%d","duration_sec":"1800"}]}`, start)
	code, _, out := c.do(t, "POST", "/v3/BatchAvailabilityLookup", basic(testUser, testPassword), body)
	if code != 200 {
		t.Fatalf("BatchAvailabilityLookup: %d %s", code, out)
	}
	var resp struct {
		SlotTimeAvailability []struct{ Available bool } `json:"slot_time_availability"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp.SlotTimeAvailability) != 1 {
		t.Fatalf("BatchAvailabilityLookup: %v %s", err, out)
	}
	return resp.SlotTimeAvailability[0].Available
}

// collect reports a cart payment.
func (c *cartBundle) collect(t *testing.T, bookingID, paymentID string, micros int64, ref string, want int) map[string]any {
	t.Helper()
	body := fmt.Sprintf(`{"status":"COLLECTED","amount":{"price_micros":"%d","currency_code":"USD"},"reference":%q}`, micros, ref)
	return c.mustDo(t, "PUT", "/v1/bookings/"+bookingID+"/payments/"+paymentID, body, want)
}

// get returns the merchant view of a booking.
func (c *cartBundle) get(t *testing.T, id string) map[string]any {
	t.Helper()
	return c.mustDo(t, "GET", "/v1/bookings/"+id, "", 200)["view"].(map[string]any)
}

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func ids(resp map[string]any) (bookingID, paymentID string) {
	return field(resp, "booking", "booking_id").(string), resp["payment_id"].(string)
}

func TestCartCollectConfirms(t *testing.T) {
	t.Parallel()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) {
		c := cartSetup(t, open, booking.CartLimits{})
		resp := c.book(t, storetest.SlotFiveSpots, "u1", "CART", "r1")
		bid, pid := ids(resp)
		if got := field(resp, "booking", "status"); got != "PENDING_MERCHANT_CONFIRMATION" {
			t.Fatalf("status %v", got)
		}
		if again := c.book(t, storetest.SlotFiveSpots, "u1", "CART", "r1"); field(again, "booking", "booking_id") != bid || again["redirect_url"] != resp["redirect_url"] {
			t.Fatalf("replay answered %v, want the first answer %v", again, resp)
		}
		u, err := url.Parse(resp["redirect_url"].(string))
		if err != nil || u.Scheme != "https" || u.Host != "shop.example" || u.Query().Get("src") != "booking" {
			t.Fatalf("redirect_url %v (%v)", resp["redirect_url"], err)
		}
		raw, err := base64.StdEncoding.DecodeString(u.Query().Get("booking_data"))
		if err != nil {
			t.Fatal(err)
		}
		var data map[string]any
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"apiBookingId": bid, "paymentId": pid, "productId": "SKU-CUT", "amount": "25.00", "amountMicros": 25e6,
			"currency": "USD", "merchantId": "m1", "serviceId": "haircut", "startTime": "2030-01-01T11:00:00Z", "startSec": float64(storetest.SlotFiveSpots),
			"durationSec": 1800.0, "expiresAt": time.Unix(storetest.SlotOneSpot-86400+900, 0).UTC().Format(time.RFC3339), "policyText": booking.DefaultCartPolicyText}
		for k, v := range want {
			if data[k] != v {
				t.Errorf("booking_data.%s = %v, want %v", k, data[k], v)
			}
		}

		c.collect(t, bid, pid, 24_000_000, "shop-tx-1", 400)
		if v := c.get(t, bid); field(v, "booking", "status") != "PENDING_MERCHANT_CONFIRMATION" || v["ledger"] != nil {
			t.Fatalf("a wrong amount changed the booking: %v", v)
		}
		v := c.collect(t, bid, pid, 25_000_000, "shop-tx-1", 200)["view"].(map[string]any)
		if field(v, "booking", "status") != "CONFIRMED" {
			t.Fatalf("after COLLECTED: %v", v)
		}
		ledger := v["ledger"].([]any)
		if len(ledger) != 1 || field(ledger[0].(map[string]any), "processor") != "cart" || field(ledger[0].(map[string]any), "processor_id") != "shop-tx-1" ||
			field(ledger[0].(map[string]any), "amount_micros") != "25000000" {
			t.Fatalf("ledger %v", ledger)
		}
		if v := c.collect(t, bid, pid, 25_000_000, "shop-tx-1", 200)["view"].(map[string]any); len(v["ledger"].([]any)) != 1 {
			t.Fatalf("repeated COLLECTED wrote again: %v", v["ledger"])
		}
		c.collect(t, bid, pid, 25_000_000, "shop-tx-2", 400) // another reference: refused
		c.collect(t, bid, "pay_other", 25_000_000, "shop-tx-1", 404)
	})
}

func TestCartAbandonReleases(t *testing.T) {
	t.Parallel()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) {
		c := cartSetup(t, open, booking.CartLimits{})
		bid, _ := ids(c.book(t, storetest.SlotOneSpot, "u1", "CART", "r1"))
		if c.available(t, storetest.SlotOneSpot) {
			t.Fatal("BatchAvailabilityLookup does not count the pending cart hold")
		}
		v := c.mustDo(t, "PUT", "/v1/bookings/"+bid, `{"status":"CANCELLED"}`, 200)["view"].(map[string]any)
		if field(v, "booking", "status") != "CANCELED" {
			t.Fatalf("after CANCELLED: %v", v)
		}
		if !c.available(t, storetest.SlotOneSpot) {
			t.Fatal("the abandoned cart still holds the spot")
		}
		c.mustDo(t, "PUT", "/v1/bookings/"+bid, `{"status":"CANCELLED"}`, 200) // idempotent
	})
}

func TestCartAutoCancelAcrossRestartThenLatePaymentConfirms(t *testing.T) {
	t.Parallel()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) {
		c := cartSetup(t, open, booking.CartLimits{})
		bid, pid := ids(c.book(t, storetest.SlotOneSpot, "u1", "CART", "r1"))
		c.restart(t)
		c.clock.Advance(899 * time.Second)
		if n, err := c.core.ExpireCarts(context.Background()); err != nil || n != 0 {
			t.Fatalf("before the deadline: %d expired, %v", n, err)
		}
		c.restart(t)
		c.clock.Advance(2 * time.Second)
		// A sweeper started after the restart settles what fell due while down, at once.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { c.core.SweepCarts(ctx, time.Hour); close(done) }()
		deadline := time.Now().Add(5 * time.Second)
		for field(c.get(t, bid), "booking", "status") != "CANCELED" {
			if time.Now().After(deadline) {
				t.Fatal("the sweeper did not cancel the overdue cart booking")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		if !c.available(t, storetest.SlotOneSpot) {
			t.Fatal("the expired hold still counts")
		}
		v := c.collect(t, bid, pid, 25_000_000, "late-1", 200)["view"].(map[string]any)
		if field(v, "booking", "status") != "CONFIRMED" || field(v, "record", "payment", "cart", "refund_due") != nil {
			t.Fatalf("late payment with the spot free: %v", v)
		}
		if c.available(t, storetest.SlotOneSpot) {
			t.Fatal("the re-taken spot is not counted")
		}
	})
}

func TestCartLatePaymentSpotTakenRefundDue(t *testing.T) {
	t.Parallel()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) {
		c := cartSetup(t, open, booking.CartLimits{})
		bid, pid := ids(c.book(t, storetest.SlotOneSpot, "u1", "CART", "r1"))
		c.clock.Advance(901 * time.Second)
		if n, err := c.core.ExpireCarts(context.Background()); err != nil || n != 1 {
			t.Fatalf("expired %d, %v", n, err)
		}
		other := c.book(t, storetest.SlotOneSpot, "u2", "NONE", "r2")
		if field(other, "booking", "status") != "CONFIRMED" {
			t.Fatalf("u2 could not take the freed spot: %v", other)
		}
		v := c.collect(t, bid, pid, 25_000_000, "late-1", 200)["view"].(map[string]any)
		if field(v, "booking", "status") != "CANCELED" || field(v, "record", "payment", "cart", "refund_due") != true || len(v["ledger"].([]any)) != 1 {
			t.Fatalf("late payment with the spot taken: %v", v)
		}
		list := c.mustDo(t, "GET", "/v1/bookings?state=refund_due", "", 200)["views"].([]any)
		if len(list) != 1 || field(list[0].(map[string]any), "booking", "booking_id") != bid {
			t.Fatalf("refund_due list %v", list)
		}
		if c.available(t, storetest.SlotOneSpot) {
			t.Fatal("spot shown free")
		} // Reconcile at stop proves the one-spot slot counts one live booking.
	})
}

func TestCartLimitsAndValidation(t *testing.T) {
	t.Parallel()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) {
		c := cartSetup(t, open, booking.CartLimits{PerCustomer: 2, PerSlot: 2})
		c.book(t, storetest.SlotOneSpot, "u1", "CART", "a")
		c.book(t, storetest.SlotFiveSpots, "u1", "CART", "b")
		if f := field(c.book(t, storetest.SlotOther, "u1", "CART", "c"), "booking_failure", "cause"); f != "USER_OVER_BOOKING_LIMIT" {
			t.Errorf("third hold of one customer: %v", f)
		}
		c.book(t, storetest.SlotFiveSpots, "u2", "CART", "d")
		if f := field(c.book(t, storetest.SlotFiveSpots, "u3", "CART", "e"), "booking_failure", "cause"); f != "SLOT_UNAVAILABLE" {
			t.Errorf("third hold of one slot: %v", f)
		}
		if f := field(c.book(t, storetest.SlotFiveSpots, "u3", "NONE", "f"), "booking", "status"); f != "CONFIRMED" {
			t.Errorf("a NONE booking is not a cart hold: %v", f)
		}
		for _, tt := range []struct{ method, path, body string }{
			{"PUT", "/v1/merchants/m1/cart", `{"callback_url":"http://shop.example/cart"}`},
			{"PUT", "/v1/merchants/m1/cart", `{"callback_url":"https://shop.example/cart","auto_cancel_after_sec":-1}`},
			{"PUT", "/v1/merchants/nope/cart", `{"callback_url":"https://shop.example/cart"}`},
			{"PUT", "/v1/merchants/m1/services/haircut/cart", `{"enabled":true,"amount":{"price_micros":"-1","currency_code":"USD"}}`},
			{"PUT", "/v1/merchants/m1/services/haircut/cart", `{"enabled":true,"amount":{"price_micros":"1"}}`},
			{"POST", "/v1/bookings", `{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"1893499200","duration_sec":"1800"},"user_information":{"user_id":"x"},"payment_method":"CASH","request_id":"g"}`},
		} {
			c.mustDo(t, tt.method, tt.path, tt.body, 400)
		}
		c.mustDo(t, "PUT", "/v1/merchants/m1/cart", `{"callback_url":"http://127.0.0.1:9/cart"}`, 200)
		// Without gateway accounts (no --secrets-key), a gateway booking is a business failure.
		out := c.mustDo(t, "POST", "/v1/bookings", `{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"1893499200","duration_sec":"1800"},"user_information":{"user_id":"x"},"payment_method":"IMOJE","request_id":"h"}`, 200)
		if out["booking_failure"] == nil {
			t.Errorf("IMOJE without gateways: %v, want a booking_failure", out)
		}
	})
}
