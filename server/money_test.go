package server_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/store/storetest"
)

// The failure paths of money, end to end against the fake imoje and Worldline APIs:
// each test is a reproduction of a way the ledger and the gateway used to disagree.

// gatewayRefunded is what the fake gateway refunded, in cents, and in how many refunds.
func (f *fakeGateway) gatewayRefunded() (cents float64, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.refunds {
		var c float64
		fmt.Sscan(fmt.Sprint(r["amount"]), &c)
		cents += c
	}
	return cents, len(f.refunds)
}

// refund asks the merchant API for a refund and returns the HTTP status.
func (b *gwBundle) refund(t *testing.T, bid, requestID string, micros int64, currency string) int {
	t.Helper()
	code, _, _ := b.do(t, "POST", "/v1/bookings/"+bid+":refund", "Bearer "+testAdmin,
		fmt.Sprintf(`{"request_id":%q,"amount":{"price_micros":"%d","currency_code":%q}}`, requestID, micros, currency))
	return code
}

// paidImoje books m1's USD 15 haircut through imoje and settles it as transaction tx-1.
func (b *gwBundle) paidImoje(t *testing.T, start int64) string {
	t.Helper()
	bid := field(b.book(t, start, "u1", "IMOJE", "r1"), "booking", "booking_id").(string)
	if code, out := b.imojeHook(t, imojeShopKey, "tx-1", "sale", "settled", "blik", bid, 1500); code != 200 {
		t.Fatalf("settle: %d %s", code, out)
	}
	return bid
}

// paidWorldline books m1's EUR 100 haircut through Worldline, captured as payment p0.
func (b *gwBundle) paidWorldline(t *testing.T) string {
	t.Helper()
	if _, err := b.store.LoadFeed(t.Context(), 2, []byte(eurServices)); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800"},"user_information":{"user_id":"u1","email":"u1@example.com"},
		"payment_method":"WORLDLINE","request_id":"w1"}`, storetest.SlotFiveSpots)
	bid := field(b.mustDo(t, "POST", "/v1/bookings", body, 200), "booking", "booking_id").(string)
	p := b.fake.worldlinePayment("p0_0", bid, "CAPTURED", 10000, 1)
	if code, out := b.worldlineHook(t, wlHookSecret, "ev-p0", "payment.captured", `"payment":`+p); code != 200 {
		t.Fatalf("capture: %d %s", code, out)
	}
	return bid
}

// checkAgrees fails unless the booking's ledger refunded exactly what the gateway did.
func (b *gwBundle) checkAgrees(t *testing.T, bid string, wantCents float64) {
	t.Helper()
	cents, n := b.fake.gatewayRefunded()
	_, refunded, _ := ledgerTotals(b.get(t, bid))
	if cents != wantCents || refunded != cents*1e4 {
		t.Fatalf("gateway refunded %v cents in %d refunds, ledger %v micros; want both %v cents", cents, n, refunded, wantCents)
	}
}

// TestWorldlineRefundRecordedOnceAfterLostAnswer (item 1): our refund is made at
// Worldline but the connection drops (503 to the merchant); Worldline's refund webhook
// arrives; the merchant retries with the same request_id and Worldline answers the same
// refund id. It is one refund of 10 €, in the ledger as at the gateway.
func TestWorldlineRefundRecordedOnceAfterLostAnswer(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := b.paidWorldline(t)
		b.fake.mu.Lock()
		b.fake.dropRefunds = 1
		b.fake.mu.Unlock()
		if code := b.refund(t, bid, "rf1", 10e6, "EUR"); code != http.StatusServiceUnavailable {
			t.Fatalf("refund with a lost answer: %d, want 503", code)
		}
		obj := worldlineRefund("p0_1", "REFUNDED", 1000)
		if code, out := b.worldlineHook(t, wlHookSecret, "ev-r1", "refund.refunded", obj); code != 200 {
			t.Fatalf("refund webhook: %d %s", code, out)
		}
		if code := b.refund(t, bid, "rf1", 10e6, "EUR"); code != 200 {
			t.Fatalf("retry: %d", code)
		}
		b.checkAgrees(t, bid, 1000)
	})
}

// TestImojeLostRefundAnswerNeverRefundsTwice (item 2): imoje has no idempotency key;
// a retry after a lost answer must not refund again. While imoje's transaction lookup
// is down, the refund stays pending until imoje's notification settles it, then the
// retry succeeds.
func TestImojeLostRefundAnswerNeverRefundsTwice(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := b.paidImoje(t, storetest.SlotFiveSpots)
		b.fake.mu.Lock()
		b.fake.dropRefunds = 1
		b.fake.lookupDown = true
		b.fake.mu.Unlock()
		if code := b.refund(t, bid, "rf1", 5e6, "USD"); code != http.StatusServiceUnavailable {
			t.Fatalf("refund with a lost answer: %d, want 503", code)
		}
		if code := b.refund(t, bid, "rf1", 5e6, "USD"); code != http.StatusServiceUnavailable {
			t.Fatalf("retry while the outcome is unknown: %d, want 503 (pending)", code)
		}
		if _, n := b.fake.gatewayRefunded(); n != 1 {
			t.Fatalf("%d refunds at imoje, want 1", n)
		}
		if p := field(b.get(t, bid), "record", "payment", "pending_refunds").([]any); len(p) != 1 {
			t.Fatalf("pending refunds %v, want the one with the lost answer", p)
		}
		// Another refund cannot take the pending money: 15 − 5 pending leaves 10.
		if code := b.refund(t, bid, "rf2", 11e6, "USD"); code != 400 {
			t.Fatalf("refund beyond what is not pending: %d, want 400", code)
		}
		if code, out := b.imojeHook(t, imojeShopKey, "tx-1_r1", "refund", "settled", "blik", bid, 500); code != 200 {
			t.Fatalf("refund notification: %d %s", code, out)
		}
		if code := b.refund(t, bid, "rf1", 5e6, "USD"); code != 200 {
			t.Fatalf("retry after the notification: %d", code)
		}
		b.checkAgrees(t, bid, 500)
		if p := field(b.get(t, bid), "record", "payment", "pending_refunds"); p != nil {
			t.Fatalf("pending refunds left: %v", p)
		}
	})
}

// TestImojeRejectedRefundIsReversed (item 3): imoje rejects a refund it had accepted:
// the ledger reverses it (shown by GET /v1/bookings/{id}), the money is refundable
// again, and the metrics count it.
func TestImojeRejectedRefundIsReversed(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := b.paidImoje(t, storetest.SlotFiveSpots)
		if code := b.refund(t, bid, "rf1", 15e6, "USD"); code != 200 {
			t.Fatalf("refund: %d", code)
		}
		if s := field(b.get(t, bid), "booking", "payment_information", "prepayment_status"); s != "PREPAYMENT_REFUNDED" {
			t.Fatalf("after refund: %v", s)
		}
		for range 2 { // the second is a duplicate
			if code, out := b.imojeHook(t, imojeShopKey, "tx-1_r1", "refund", "rejected", "blik", bid, 1500); code != 200 {
				t.Fatalf("rejection: %d %s", code, out)
			}
		}
		v := b.get(t, bid)
		if _, refunded, _ := ledgerTotals(v); refunded != 0 {
			t.Fatalf("ledger refunded %v after the rejection, want 0", refunded)
		}
		if !strings.Contains(fmt.Sprint(v["ledger"]), "KIND_REFUND_REVERSED") {
			t.Fatalf("ledger shows no reversal: %v", v["ledger"])
		}
		if s := field(v, "booking", "payment_information", "prepayment_status"); s != "PREPAYMENT_PROVIDED" {
			t.Fatalf("prepayment status %v, want PREPAYMENT_PROVIDED again", s)
		}
		if code := b.refund(t, bid, "rf2", 15e6, "USD"); code != 200 {
			t.Fatalf("refund again after the reversal: %d", code)
		}
		resp, err := http.Get(b.baseURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if want := `bookingserver_gateway_webhook_events_total{event="refund_failed",gateway="imoje",outcome="applied"} 1`; !strings.Contains(string(raw), want) {
			t.Fatalf("metrics lack %s", want)
		}
	})
}

// TestImojeRejectedAttemptKeepsLiveHold (item 4): a rejected attempt does not cancel
// a booking whose hold is alive; the customer's settled retry confirms it.
func TestImojeRejectedAttemptKeepsLiveHold(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := field(b.book(t, storetest.SlotOneSpot, "u1", "IMOJE", "r1"), "booking", "booking_id").(string)
		b.imojeHook(t, imojeShopKey, "tx-rj", "sale", "rejected", "blik", bid, 1500)
		if s := field(b.get(t, bid), "booking", "status"); s != "PENDING_MERCHANT_CONFIRMATION" || b.available(t, storetest.SlotOneSpot) {
			t.Fatalf("after a rejected attempt: %v (hold released?)", s)
		}
		b.imojeHook(t, imojeShopKey, "tx-ok", "sale", "settled", "blik", bid, 1500)
		v := b.get(t, bid)
		if field(v, "booking", "status") != "CONFIRMED" || field(v, "record", "payment", "cart", "refund_due") == true {
			t.Fatalf("after the settled retry: %v", v)
		}
	})
}

// TestUnexpectedMoneyIsRefundDue (item 5): a second settled payment on a paid booking
// and a payment after a cancel are recorded, listed as refund_due and refundable.
func TestUnexpectedMoneyIsRefundDue(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := b.paidImoje(t, storetest.SlotFiveSpots)
		if code, _ := b.imojeHook(t, imojeShopKey, "tx-2", "sale", "settled", "blik", bid, 1500); code != 200 {
			t.Fatalf("second payment: %d", code)
		}
		if charged, _, _ := ledgerTotals(b.get(t, bid)); charged != 30e6 {
			t.Fatalf("ledger charged %v, want both payments (30e6)", charged)
		}
		due := fmt.Sprint(b.mustDo(t, "GET", "/v1/bookings?state=refund_due", "", 200))
		if !strings.Contains(due, bid) {
			t.Fatalf("refund_due list %s lacks %s", due, bid)
		}
		if code := b.refund(t, bid, "rf-dup", 15e6, "USD"); code != 200 {
			t.Fatalf("refund of the second payment: %d", code)
		}
		if due := fmt.Sprint(b.mustDo(t, "GET", "/v1/bookings?state=refund_due", "", 200)); strings.Contains(due, bid) {
			t.Fatalf("still refund_due after the refund of the surplus: %s", due)
		}
		// A payment after a cancel (everything refunded) is recorded and due again.
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":cancel", `{"request_id":"c1"}`, 200)
		b.imojeHook(t, imojeShopKey, "tx-3", "sale", "settled", "blik", bid, 1500)
		v := b.get(t, bid)
		if charged, refunded, _ := ledgerTotals(v); charged != 45e6 || refunded != 30e6 || field(v, "record", "payment", "cart", "refund_due") != true {
			t.Fatalf("payment after cancel: charged %v refunded %v, %v", charged, refunded, v)
		}
	})
}

// TestSplitTenderCardLegFailedRefundsGiftCard (item 5): two gift cards captured, the
// card leg failed: when the hold expires the booking is refund_due, and :refund returns
// each gift card through its own leg (one Worldline refund per captured payment, each
// within what that leg took), after which nothing is due.
func TestSplitTenderCardLegFailedRefundsGiftCard(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		if _, err := b.store.LoadFeed(t.Context(), 2, []byte(eurServices)); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800"},"user_information":{"user_id":"u1","email":"u1@example.com"},
		"payment_method":"WORLDLINE","request_id":"w1","gift_cards":[{"amount":{"price_micros":"20000000","currency_code":"EUR"}},{"amount":{"price_micros":"30000000","currency_code":"EUR"}}]}`, storetest.SlotFiveSpots)
		bid := field(b.mustDo(t, "POST", "/v1/bookings", body, 200), "booking", "booking_id").(string)
		for i, cents := range []int64{2000, 3000} {
			gc := b.fake.worldlinePayment(fmt.Sprintf("g%d_0", i), bid, "CAPTURED", cents, 3103)
			if code, out := b.worldlineHook(t, wlHookSecret, fmt.Sprintf("ev-g%d", i), "payment.captured", `"payment":`+gc); code != 200 {
				t.Fatalf("gift card %d: %d %s", i, code, out)
			}
		}
		card := b.fake.worldlinePayment("c0_0", bid, "REJECTED", 5000, 1)
		b.worldlineHook(t, wlHookSecret, "ev-c0", "payment.rejected", `"payment":`+card)
		b.clock.Advance(time.Hour)
		if _, err := b.core.ExpireCarts(t.Context()); err != nil {
			t.Fatal(err)
		}
		if due := fmt.Sprint(b.mustDo(t, "GET", "/v1/bookings?state=refund_due", "", 200)); !strings.Contains(due, bid) {
			t.Fatalf("refund_due list %s lacks the expired split tender", due)
		}
		if code := b.refund(t, bid, "rf1", 60e6, "EUR"); code != 400 {
			t.Fatalf("refund beyond the 50 € the gift cards took: %d, want 400", code)
		}
		if code := b.refund(t, bid, "rf1", 50e6, "EUR"); code != 200 {
			t.Fatalf("refund of the gift cards: %d", code)
		}
		b.fake.mu.Lock()
		var legs []string
		for _, r := range b.fake.refunds {
			legs = append(legs, fmt.Sprintf("%v of %v: %v", r["id"], r["of"], r["amount"]))
		}
		b.fake.mu.Unlock()
		if want := "[g1_1 of g1_0: 3000 g0_1 of g0_0: 2000]"; fmt.Sprint(legs) != want {
			t.Fatalf("refunds at Worldline %v, want %s (one per gift card leg)", legs, want)
		}
		b.checkAgrees(t, bid, 5000)
		if due := fmt.Sprint(b.mustDo(t, "GET", "/v1/bookings?state=refund_due", "", 200)); strings.Contains(due, bid) {
			t.Fatalf("still refund_due after the gift cards went back: %s", due)
		}
	})
}
