package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/gateways"
	"github.com/bookingserver/bookingserver/payment/secrets"
	"github.com/bookingserver/bookingserver/payment/stripe"
	"github.com/bookingserver/bookingserver/payment/stripe/stripetest"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// prepaidServices makes m1/haircut a 15 USD service paid in advance by card.
const prepaidServices = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
 "service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut","price":{"price_micros":"15000000","currency_code":"USD"},"prepayment_type":"REQUIRED"}]}`

// stripeE2E is a running server whose card processor is the real Stripe adapter
// talking to a Stripe fake over HTTP, with m1's Stripe webhook secret configured.
type stripeE2E struct {
	*gwBundle
	stripe *stripetest.Fake
}

// eachStripeStore runs fn, as a parallel subtest, with a Stripe end-to-end server over
// each store (storetest.EachReopenable).
func eachStripeStore(t *testing.T, fn func(t *testing.T, b *stripeE2E)) {
	t.Helper()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) { fn(t, stripeE2ESetup(t, open)) })
}

// stripeE2ESetup starts the server over the store open opens.
func stripeE2ESetup(t *testing.T, open storetest.Opener) *stripeE2E {
	t.Helper()
	fake := stripetest.New(t)
	proc, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, BaseURL: fake.URL(), HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	c := &cartBundle{clock: &fakeClock{now: time.Unix(storetest.SlotOneSpot-86400, 0)}, open: open}
	st, err := c.open()
	if err != nil {
		t.Fatal(err)
	}
	storetest.LoadFixture(t, st)
	if _, err := st.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_SERVICE, []byte(prepaidServices)); err != nil {
		t.Fatal(err)
	}
	key, err := secrets.NewKey(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := gateways.New(gateways.Config{Store: st, Key: key, Now: c.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	c.core, err = booking.New(booking.Config{Store: st, Now: c.clock.Now, Processor: proc, ParseToken: payment.ParseToken, Gateways: reg})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: testUser, BasicPassword: testPassword, AdminToken: testAdmin}},
		server.Deps{Bookings: c.core, Feeds: st, Gateways: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c.bundle = &bundle{store: st, baseURL: "http://" + srv.HTTPAddr()}
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Error(err)
		}
		if fixed, err := st.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Errorf("Reconcile: %d fixes, %v", fixed, err)
		}
		st.Close()
	})
	b := &stripeE2E{gwBundle: &gwBundle{cartBundle: c}, stripe: fake}
	b.mustDo(t, "PUT", "/v1/merchants/m1/gateways/stripe", fmt.Sprintf(`{"secret_key":%q,"webhook_secret":%q}`, stripeKey, stripeHook), 200)
	return b
}

// stripeSig is Stripe's v1 signature, written from Stripe's documentation:
// hex(HMAC-SHA256(secret, "<t>.<payload>")).
func stripeSig(secret string, ts int64, payload []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(fmt.Sprintf("%d.", ts)))
	mac.Write(payload)
	return hex.EncodeToString(mac.Sum(nil))
}

// deliver posts body to m1's Stripe webhook endpoint with a Stripe-Signature header.
func (b *stripeE2E) deliver(t *testing.T, header string, body []byte) (int, string) {
	t.Helper()
	return b.webhook(t, "stripe", string(body), map[string]string{"Stripe-Signature": header})
}

// deliverSigned posts body signed now with m1's webhook secret, as Stripe does on
// every (re)delivery.
func (b *stripeE2E) deliverSigned(t *testing.T, body []byte) (int, string) {
	t.Helper()
	ts := b.clock.Now().Unix()
	return b.deliver(t, fmt.Sprintf("t=%d,v1=%s", ts, stripeSig(stripeHook, ts, body)), body)
}

// mustDeliver delivers a signed event and fails unless it is answered 200 ok.
func (b *stripeE2E) mustDeliver(t *testing.T, body []byte) {
	t.Helper()
	if code, out := b.deliverSigned(t, body); code != 200 || out != `{"status":"ok"}` {
		t.Fatalf("webhook: %d %s", code, out)
	}
}

// createPrepaid books m1/haircut at start through Actions Center's REST API with a
// Google Pay token for Stripe's tok_visa, and returns the booking id and the charge id.
func (b *stripeE2E) createPrepaid(t *testing.T, start int64, token string) (bookingID, chargeID string) {
	t.Helper()
	gpay, _ := json.Marshal(`{"id":"tok_visa","object":"token","type":"card"}`)
	body := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d"},
		"user_information":{"user_id":"u1","email":"u1@example.com"},"idempotency_token":%q,
		"payment_processing_parameters":{"unparsed_payment_method_token":%s}}`, start, storetest.SlotDuration, token, gpay)
	code, _, out := b.do(t, "POST", "/v3/CreateBooking", basic(testUser, testPassword), body)
	var resp map[string]any
	if err := json.Unmarshal([]byte(out), &resp); code != 200 || err != nil {
		t.Fatalf("CreateBooking: %d %s", code, out)
	}
	bookingID, _ = field(resp, "booking", "booking_id").(string)
	chargeID, _ = field(resp, "booking", "payment_information", "payment_transaction_id").(string)
	if field(resp, "booking", "status") != "CONFIRMED" || !strings.HasPrefix(chargeID, "pi_") || bookingID == "" {
		t.Fatalf("CreateBooking answered %s; want a CONFIRMED booking paid by a PaymentIntent", out)
	}
	return bookingID, chargeID
}

// money returns a booking's ledger totals, checking them against the record's and
// refunded ≤ captured.
func (b *stripeE2E) money(t *testing.T, bookingID string) (charged, refunded float64, entries int) {
	t.Helper()
	v := b.get(t, bookingID)
	charged, refunded, entries = ledgerTotals(v)
	var capRec, refRec float64
	fmt.Sscan(fmt.Sprint(field(v, "record", "payment", "captured_micros")), &capRec)
	fmt.Sscan(fmt.Sprint(field(v, "record", "payment", "refunded_micros")), &refRec)
	if refunded > charged || capRec != charged || refRec != refunded {
		t.Fatalf("booking %s: ledger charged %v refunded %v, record captured %v refunded %v", bookingID, charged, refunded, capRec, refRec)
	}
	return charged, refunded, entries
}

// wantMoney fails unless a booking's ledger holds charged and refunded micros.
func (b *stripeE2E) wantMoney(t *testing.T, bookingID string, charged, refunded float64) {
	t.Helper()
	if c, r, _ := b.money(t, bookingID); c != charged || r != refunded {
		t.Fatalf("booking %s: ledger charged %v refunded %v; want %v and %v", bookingID, c, r, charged, refunded)
	}
}

// TestStripeEndToEnd: Google books a prepaid slot, charged by the real Stripe adapter
// through stripe-go over HTTP at a Stripe fake; then Stripe's webhooks, signed as
// Stripe signs them, report the payment, the merchant's API refund (echoed three times
// under two event ids), refunds made in Stripe's Dashboard (recorded once), a refund
// that overtakes the charge's answer (retried, then applied), and forged or stale
// deliveries (refused, nothing written). The ledger ends with exactly what Stripe holds.
func TestStripeEndToEnd(t *testing.T) {
	t.Parallel()
	eachStripeStore(t, func(t *testing.T, b *stripeE2E) {
		bid, pi := b.createPrepaid(t, storetest.SlotFiveSpots, "g1")
		if n := b.stripe.Created(); n != 1 {
			t.Fatalf("%d PaymentIntents created; want 1", n)
		}
		b.wantMoney(t, bid, 15e6, 0)

		// (1) payment_intent.succeeded for the charge already in the ledger, twice.
		succeeded := b.stripe.Event("evt_pi1", "payment_intent.succeeded", pi)
		if !bytes.Contains(succeeded, []byte(`"booking_id":"`+bid+`"`)) {
			t.Fatalf("the PaymentIntent lacks metadata booking_id: %s", succeeded)
		}
		for range 2 {
			b.mustDeliver(t, succeeded)
		}
		if c, _, n := b.money(t, bid); c != 15e6 || n != 1 {
			t.Fatalf("after payment_intent.succeeded: charged %v in %d entries; want 15e6 in 1", c, n)
		}

		// (2) The merchant refunds 5 USD through our API; Stripe's charge.refunded echoes
		// it twice, then once more under another event id: counted once.
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf1","amount":{"price_micros":"5000000","currency_code":"USD"}}`, 200)
		ours := b.stripe.RefundIDs(pi)
		if len(ours) != 1 || b.stripe.Refunded(pi) != 500 {
			t.Fatalf("Stripe holds refunds %v (%d cents); want one of 500", ours, b.stripe.Refunded(pi))
		}
		echo := b.stripe.Event("evt_rf1", "charge.refunded", pi)
		b.mustDeliver(t, echo)
		b.mustDeliver(t, echo)
		b.mustDeliver(t, b.stripe.Event("evt_rf1_again", "charge.refunded", pi))
		b.wantMoney(t, bid, 15e6, 5e6)

		// (3) A 4 USD refund made in Stripe's Dashboard: recorded once, however delivered.
		bo, err := b.stripe.BackOfficeRefund(pi, 400)
		if err != nil {
			t.Fatal(err)
		}
		dashboard := b.stripe.Event("evt_bo1", "charge.refunded", pi) // lists bo and ours
		if !bytes.Contains(dashboard, []byte(bo)) || !bytes.Contains(dashboard, []byte(ours[0])) {
			t.Fatalf("charge.refunded does not list both refunds: %s", dashboard)
		}
		b.mustDeliver(t, dashboard)
		b.mustDeliver(t, dashboard)
		b.mustDeliver(t, b.stripe.Event("evt_bo1_again", "charge.refunded", pi))
		b.wantMoney(t, bid, 15e6, 9e6)
		// The merchant can refund what is left (6 USD), not more; the last echo changes nothing.
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf2","amount":{"price_micros":"7000000","currency_code":"USD"}}`, 400)
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf3","amount":{"price_micros":"6000000","currency_code":"USD"}}`, 200)
		b.mustDeliver(t, b.stripe.Event("evt_rf3", "charge.refunded", pi))
		b.wantMoney(t, bid, 15e6, 15e6)
		if got := b.stripe.Refunded(pi); got != 1500 {
			t.Fatalf("Stripe refunded %d cents; want 1500 (the ledger's 15 USD)", got)
		}

		// (4) Unordered delivery: while our charge request is still in flight, a Dashboard
		// refund of 3 USD is reported (and the payment succeeded). The refund of a payment
		// not yet in the ledger is answered 503 so that Stripe retries; the retry after the
		// charge is applied once.
		var early []byte
		var once sync.Once
		b.stripe.OnIntentCreated(func(id string) {
			once.Do(func() {
				if _, err := b.stripe.BackOfficeRefund(id, 300); err != nil {
					t.Error(err)
					return
				}
				if code, out := b.deliverSigned(t, b.stripe.Event("evt_pi2", "payment_intent.succeeded", id)); code != 200 {
					t.Errorf("payment_intent.succeeded before the charge's answer: %d %s; want 200", code, out)
				}
				early = b.stripe.Event("evt_early", "charge.refunded", id)
				if code, out := b.deliverSigned(t, early); code != 503 {
					t.Errorf("charge.refunded before the charge is known: %d %s; want 503 (retryable)", code, out)
				}
			})
		})
		bid2, pi2 := b.createPrepaid(t, storetest.SlotOther, "g2")
		b.stripe.OnIntentCreated(nil)
		if early == nil {
			t.Fatal("the early webhooks were not delivered")
		}
		b.wantMoney(t, bid2, 15e6, 0)
		b.mustDeliver(t, early) // Stripe's retry
		b.mustDeliver(t, early)
		b.wantMoney(t, bid2, 15e6, 3e6)

		// (5) Signatures: a Dashboard refund of 2 USD reported with a tampered body, a
		// wrong secret, a stale or future timestamp, or no v1 is refused with 401 and writes
		// nothing (not even the dedupe mark); two v1 values of which the second is right
		// (secret rotation) are accepted within the 300 s tolerance.
		if _, err := b.stripe.BackOfficeRefund(pi2, 200); err != nil {
			t.Fatal(err)
		}
		ev := b.stripe.Event("evt_sig", "charge.refunded", pi2)
		now := b.clock.Now().Unix()
		good := stripeSig(stripeHook, now, ev)
		tampered := bytes.Replace(ev, []byte(`"amount":200`), []byte(`"amount":1200`), 1)
		if bytes.Equal(tampered, ev) {
			t.Fatalf("could not tamper with %s", ev)
		}
		for _, bad := range []struct {
			name, header string
			body         []byte
		}{
			{"tampered body", fmt.Sprintf("t=%d,v1=%s", now, good), tampered},
			{"wrong secret", fmt.Sprintf("t=%d,v1=%s", now, stripeSig("whsec_wrong", now, ev)), ev},
			{"stale timestamp", fmt.Sprintf("t=%d,v1=%s", now-301, stripeSig(stripeHook, now-301, ev)), ev},
			{"future timestamp", fmt.Sprintf("t=%d,v1=%s", now+301, stripeSig(stripeHook, now+301, ev)), ev},
			{"timestamp changed", fmt.Sprintf("t=%d,v1=%s", now-1, good), ev},
			{"v0 only", fmt.Sprintf("t=%d,v0=%s", now, good), ev},
			{"no header", "", ev},
		} {
			if code, out := b.deliver(t, bad.header, bad.body); code < 400 || code >= 500 {
				t.Errorf("%s: %d %s; want 4xx", bad.name, code, out)
			}
			b.wantMoney(t, bid2, 15e6, 3e6)
		}
		then := now - 290
		rotated := fmt.Sprintf("t=%d,v1=%s,v1=%s", then, stripeSig("whsec_old", then, ev), stripeSig(stripeHook, then, ev))
		for range 2 {
			if code, out := b.deliver(t, rotated, ev); code != 200 {
				t.Fatalf("two v1 values, the second right: %d %s; want 200", code, out)
			}
		}
		b.wantMoney(t, bid2, 15e6, 5e6)
		if got := b.stripe.Refunded(pi2); got != 500 {
			t.Fatalf("Stripe refunded %d cents of the second charge; want 500 (the ledger's 5 USD)", got)
		}
		if n := b.stripe.Created(); n != 2 {
			t.Fatalf("%d PaymentIntents created; want 2", n)
		}
	})
}

// TestStripeRefundEvents: with API versions from 2022-11-15 on, Stripe lists no
// refunds in charge.refunded, so refunds reach us as refund.created, refund.updated
// and charge.refund.updated about the Refund itself, which carries no booking id of
// ours (the booking is found by its PaymentIntent in the ledger). A Dashboard refund
// is counted once, when it succeeds, however many events report it (old-style
// charge.refunded included); failed refunds never count; our own refunds' echoes
// change nothing; the caps hold; a refund that overtakes its charge is retried (503);
// a refund of a payment not ours is ignored.
func TestStripeRefundEvents(t *testing.T) {
	t.Parallel()
	eachStripeStore(t, func(t *testing.T, b *stripeE2E) {
		bid, pi := b.createPrepaid(t, storetest.SlotFiveSpots, "g1")
		b.wantMoney(t, bid, 15e6, 0)

		// (1) Our API refund of 5 USD, echoed by refund.created, refund.updated and
		// charge.refund.updated: counted once (by the refund call).
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf1","amount":{"price_micros":"5000000","currency_code":"USD"}}`, 200)
		ours := b.stripe.RefundIDs(pi)
		if len(ours) != 1 {
			t.Fatalf("Stripe holds refunds %v; want one", ours)
		}
		for _, typ := range []string{"refund.created", "refund.created", "refund.updated", "charge.refund.updated"} {
			b.mustDeliver(t, b.stripe.Event("evt_ours_"+typ, typ, ours[0]))
		}
		b.wantMoney(t, bid, 15e6, 5e6)

		// (2) A 4 USD Dashboard refund, pending at first: refund.created (pending) changes
		// nothing; refund.updated (succeeded) records it; every later report of it (again,
		// under other event ids, as charge.refund.updated, or old-style charge.refunded)
		// changes nothing.
		bo, err := b.stripe.BackOfficePendingRefund(pi, 400)
		if err != nil {
			t.Fatal(err)
		}
		created := b.stripe.Event("evt_bo_created", "refund.created", bo)
		if bytes.Contains(created, []byte(bid)) || !bytes.Contains(created, []byte(`"status":"pending"`)) || !bytes.Contains(created, []byte(`"payment_intent":"`+pi+`"`)) {
			t.Fatalf("refund.created: %s; want a pending Refund of %s without our booking id", created, pi)
		}
		b.mustDeliver(t, created)
		b.mustDeliver(t, created)
		b.wantMoney(t, bid, 15e6, 5e6)
		if err := b.stripe.SetRefundStatus(bo, "succeeded"); err != nil {
			t.Fatal(err)
		}
		updated := b.stripe.Event("evt_bo_updated", "refund.updated", bo)
		b.mustDeliver(t, updated)
		b.wantMoney(t, bid, 15e6, 9e6)
		b.mustDeliver(t, updated)
		b.mustDeliver(t, b.stripe.Event("evt_bo_updated_again", "refund.updated", bo))
		b.mustDeliver(t, b.stripe.Event("evt_bo_charge_refund_updated", "charge.refund.updated", bo))
		b.mustDeliver(t, b.stripe.Event("evt_bo_charge_refunded", "charge.refunded", pi)) // lists ours and bo
		b.mustDeliver(t, created)                                                         // a late redelivery
		b.wantMoney(t, bid, 15e6, 9e6)

		// (3) A 2 USD Dashboard refund that fails (and one canceled): never counted, by any
		// event; Stripe gives the amount back to the charge.
		for i, status := range []string{"failed", "canceled"} {
			re, err := b.stripe.BackOfficePendingRefund(pi, 200)
			if err != nil {
				t.Fatal(err)
			}
			b.mustDeliver(t, b.stripe.Event(fmt.Sprint("evt_f_created", i), "refund.created", re))
			if err := b.stripe.SetRefundStatus(re, status); err != nil {
				t.Fatal(err)
			}
			for _, typ := range []string{"refund.updated", "refund.failed", "charge.refund.updated"} {
				b.mustDeliver(t, b.stripe.Event(fmt.Sprint("evt_f_", typ, i), typ, re))
			}
			b.mustDeliver(t, b.stripe.Event(fmt.Sprint("evt_f_charge_refunded", i), "charge.refunded", pi))
			b.wantMoney(t, bid, 15e6, 9e6)
		}
		if got := b.stripe.Refunded(pi); got != 900 {
			t.Fatalf("Stripe holds %d cents refunded; want 900", got)
		}

		// (4) A 1 USD Dashboard refund reported old-style first (charge.refunded lists it),
		// then by refund.created: counted once.
		bo2, err := b.stripe.BackOfficeRefund(pi, 100)
		if err != nil {
			t.Fatal(err)
		}
		b.mustDeliver(t, b.stripe.Event("evt_bo2_charge_refunded", "charge.refunded", pi))
		b.wantMoney(t, bid, 15e6, 10e6)
		b.mustDeliver(t, b.stripe.Event("evt_bo2_created", "refund.created", bo2))
		b.mustDeliver(t, b.stripe.Event("evt_bo2_updated", "refund.updated", bo2))
		b.wantMoney(t, bid, 15e6, 10e6)

		// (5) Caps: 5 USD are left; the merchant cannot refund 6 through our API, can
		// refund 5, whose echo changes nothing; the ledger ends with what Stripe holds.
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf2","amount":{"price_micros":"6000000","currency_code":"USD"}}`, 400)
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf3","amount":{"price_micros":"5000000","currency_code":"USD"}}`, 200)
		ids := b.stripe.RefundIDs(pi)
		b.mustDeliver(t, b.stripe.Event("evt_rf3_created", "refund.created", ids[len(ids)-1]))
		b.wantMoney(t, bid, 15e6, 15e6)
		if got := b.stripe.Refunded(pi); got != 1500 {
			t.Fatalf("Stripe refunded %d cents; want 1500 (the ledger's 15 USD)", got)
		}

		// (6) A Dashboard refund reported by refund.created while our charge request is
		// still in flight cannot be matched to a booking yet: 503, so that Stripe retries;
		// the retry after the charge is recorded applies it once.
		var early []byte
		var once sync.Once
		b.stripe.OnIntentCreated(func(id string) {
			once.Do(func() {
				re, err := b.stripe.BackOfficeRefund(id, 300)
				if err != nil {
					t.Error(err)
					return
				}
				early = b.stripe.Event("evt_early", "refund.created", re)
				if code, out := b.deliverSigned(t, early); code != 503 {
					t.Errorf("refund.created before the charge is known: %d %s; want 503 (retryable)", code, out)
				}
			})
		})
		bid2, pi2 := b.createPrepaid(t, storetest.SlotOther, "g2")
		b.stripe.OnIntentCreated(nil)
		if early == nil {
			t.Fatal("the early webhook was not delivered")
		}
		b.wantMoney(t, bid2, 15e6, 0)
		b.mustDeliver(t, early) // Stripe's retry
		b.mustDeliver(t, early)
		b.wantMoney(t, bid2, 15e6, 3e6)
		if got := b.stripe.Refunded(pi2); got != 300 {
			t.Fatalf("Stripe refunded %d cents of the second charge; want 300", got)
		}

		// (7) A refund of a PaymentIntent that is not ours (the merchant's other sales on
		// the same Stripe account): 200, nothing written.
		b.mustDeliver(t, []byte(`{"id":"evt_foreign","object":"event","type":"refund.created","data":{"object":{"id":"re_foreign","object":"refund",
		"amount":100,"currency":"usd","status":"succeeded","payment_intent":"pi_foreign","charge":"ch_foreign","metadata":{}}}}`))
		b.wantMoney(t, bid, 15e6, 15e6)
		b.wantMoney(t, bid2, 15e6, 3e6)

		// (8) Stripe reports that the Dashboard refund of the second charge failed
		// (refund.failed, twice): it is reversed once, and the money can be refunded again.
		failedRefund := fmt.Sprintf(`{"id":"evt_rf_failed","object":"event","type":"refund.failed","data":{"object":{"id":%q,"object":"refund",
		"amount":300,"currency":"usd","status":"failed","payment_intent":%q,"metadata":{}}}}`, b.stripe.RefundIDs(pi2)[0], pi2)
		b.mustDeliver(t, []byte(failedRefund))
		b.mustDeliver(t, []byte(failedRefund))
		b.wantMoney(t, bid2, 15e6, 0)
		if v := b.get(t, bid2); !strings.Contains(fmt.Sprint(v["ledger"]), "KIND_REFUND_REVERSED") {
			t.Fatalf("ledger shows no reversal: %v", v["ledger"])
		}
	})
}
