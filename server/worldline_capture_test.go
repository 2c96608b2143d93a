package server_test

import (
	"fmt"
	"testing"

	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestWorldlineAuthoriseOnlyCaptured (item 6): an account in authorise-only mode
// leaves the buyer's payment PENDING_CAPTURE. Its webhook makes us capture it at
// Worldline (once, signed, the whole amount, final), and the captured payment confirms
// the booking with one ledger charge keyed by the payment id: the later
// payment.captured webhook and a repeated pending_capture change nothing.
func TestWorldlineAuthoriseOnlyCaptured(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		if _, err := b.store.LoadFeed(t.Context(), 2, []byte(eurServices)); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800"},"user_information":{"user_id":"u1","email":"u1@example.com"},
		"payment_method":"WORLDLINE","request_id":"w1"}`, storetest.SlotFiveSpots)
		bid := field(b.mustDo(t, "POST", "/v1/bookings", body, 200), "booking", "booking_id").(string)
		authorised := b.fake.worldlinePayment("p0_0", bid, "PENDING_CAPTURE", 10000, 1)
		for i, ev := range []string{"ev-a1", "ev-a2"} {
			if code, out := b.worldlineHook(t, wlHookSecret, ev, "payment.pending_capture", `"payment":`+authorised); code != 200 {
				t.Fatalf("pending_capture %d: %d %s", i, code, out)
			}
		}
		captured := b.fake.worldlinePayment("p0_0", bid, "CAPTURED", 10000, 1)
		if code, out := b.worldlineHook(t, wlHookSecret, "ev-c", "payment.captured", `"payment":`+captured); code != 200 {
			t.Fatalf("captured: %d %s", code, out)
		}
		b.fake.mu.Lock()
		captures := fmt.Sprint(b.fake.captures)
		b.fake.mu.Unlock()
		if want := "[map[amount:10000 isFinal:true of:p0_0]]"; captures != want {
			t.Fatalf("captures at Worldline %s, want %s", captures, want)
		}
		v := b.get(t, bid)
		if charged, _, n := ledgerTotals(v); field(v, "booking", "status") != "CONFIRMED" || charged != 100e6 || n != 1 {
			t.Fatalf("after capture: charged %v in %d entries: %v", charged, n, v)
		}
		if id := field(v, "booking", "payment_information", "payment_transaction_id"); id != "p0_0" {
			t.Fatalf("payment_transaction_id %v, want the payment p0_0 (refunds go to it)", id)
		}
	})
}
