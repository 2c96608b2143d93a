package worldline_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/secrets"
	"github.com/bookingserver/bookingserver/payment/worldline"
)

func secretOf(s string) secrets.Secret { return secrets.Secret(s) }

func signWebhook(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func event(id, typ, object string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"v1","created":"2026-03-14T09:27:00.000+0100","id":%q,"merchantId":%q,"type":%q,%s}`, id, pspid, typ, object)
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	body := event("ev-1", "payment.captured", `"payment":`+paymentJSON("p1", "CAPTURED", 5000))
	good := signWebhook(body, webhookSecret)
	tampered := event("ev-1", "payment.captured", `"payment":`+paymentJSON("p1", "CAPTURED", 500000))
	for _, tc := range []struct {
		name, keyID, sig string
		body             []byte
		ok               bool
	}{
		{"good", webhookKeyID, good, body, true},
		{"tampered body", webhookKeyID, good, tampered, false},
		{"wrong secret", webhookKeyID, signWebhook(body, "other"), body, false},
		{"wrong key id", "OTHERKEY", good, body, false},
		{"empty key id", "", good, body, false},
		{"not base64", webhookKeyID, "%%%", body, false},
		{"empty signature", webhookKeyID, "", body, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := c.VerifyWebhook(tc.keyID, tc.sig, tc.body)
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, worldline.ErrSignature)) {
				t.Errorf("VerifyWebhook: err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestParseWebhook(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	eur := func(cents int64) booking.Money { return booking.Money{Micros: cents * 10_000, Currency: "EUR"} }
	// refund is Worldline's RefundResponse as its SDKs define it: no payment id; the
	// refund's own id is "paymentid_operationid" on the payment "paymentid_0".
	refund := func(status string) string {
		return fmt.Sprintf(`"refund":{"id":"3136405348_2","status":%q,"statusOutput":{"isCancellable":false,"statusCategory":"COMPLETED","statusCode":8},`+
			`"refundOutput":{"amountOfMoney":{"amount":2001,"currencyCode":"EUR"},"paymentMethod":"card","operationReferences":{"merchantReference":"bk-7"},`+
			`"cardRefundMethodSpecificOutput":{"totalAmountRefunded":2001}}}`, status)
	}
	for _, tc := range []struct {
		name string
		body []byte
		want worldline.Event
		ok   bool
	}{
		{"captured", event("ev-1", "payment.captured", `"payment":`+paymentJSON("p1", "CAPTURED", 25000)),
			worldline.Event{ID: "ev-1", Type: "payment.captured", PaymentID: "p1", Status: "CAPTURED", State: worldline.StateCollected, Amount: eur(25000), MerchantReference: "bk-7"}, true},
		{"pending capture", event("ev-2", "payment.pending_capture", `"payment":`+paymentJSON("p1", "PENDING_CAPTURE", 1)),
			worldline.Event{ID: "ev-2", Type: "payment.pending_capture", PaymentID: "p1", Status: "PENDING_CAPTURE", State: worldline.StatePending, Amount: eur(1), MerchantReference: "bk-7"}, true},
		{"rejected", event("ev-3", "payment.rejected", `"payment":`+paymentJSON("p1", "REJECTED", 100)),
			worldline.Event{ID: "ev-3", Type: "payment.rejected", PaymentID: "p1", Status: "REJECTED", State: worldline.StateFailed, Amount: eur(100), MerchantReference: "bk-7"}, true},
		{"cancelled", event("ev-4", "payment.cancelled", `"payment":`+paymentJSON("p1", "CANCELLED", 100)),
			worldline.Event{ID: "ev-4", Type: "payment.cancelled", PaymentID: "p1", Status: "CANCELLED", State: worldline.StateCancelled, Amount: eur(100), MerchantReference: "bk-7"}, true},
		{"refund requested", event("ev-5", "refund.refund_requested", refund("REFUND_REQUESTED")),
			worldline.Event{ID: "ev-5", Type: "refund.refund_requested", PaymentID: "3136405348_0", RefundID: "3136405348_2", Status: "REFUND_REQUESTED", State: worldline.StatePending, Amount: eur(2001), MerchantReference: "bk-7"}, true},
		{"refunded", event("ev-6", "refund.refunded", refund("REFUNDED")),
			worldline.Event{ID: "ev-6", Type: "refund.refunded", PaymentID: "3136405348_0", RefundID: "3136405348_2", Status: "REFUNDED", State: worldline.StateRefunded, Amount: eur(2001), MerchantReference: "bk-7"}, true},
		{"refund id without operation", event("ev-10", "refund.refunded", `"refund":{"id":"3136405348","status":"REFUNDED","refundOutput":{"amountOfMoney":{"amount":1,"currencyCode":"EUR"}}}`), worldline.Event{}, false},
		{"unknown status", event("ev-7", "payment.x", `"payment":`+paymentJSON("p1", "WEIRD", 1)), worldline.Event{}, false},
		{"other merchant", []byte(`{"id":"ev","merchantId":"someone","type":"payment.captured","payment":` + paymentJSON("p1", "CAPTURED", 1) + `}`), worldline.Event{}, false},
		{"no object", event("ev-8", "payment.captured", `"x":1`), worldline.Event{}, false},
		{"no id", []byte(`{"merchantId":"` + pspid + `","type":"payment.captured"}`), worldline.Event{}, false},
		{"float amount", event("ev-9", "payment.captured", `"payment":{"id":"p","status":"CAPTURED","paymentOutput":{"amountOfMoney":{"amount":1.5,"currencyCode":"EUR"}}}`), worldline.Event{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.ParseWebhook(tc.body)
			if !tc.ok {
				if !errors.Is(err, booking.ErrInvalid) {
					t.Errorf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Created = ""
			if got != tc.want {
				t.Errorf("ParseWebhook = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDuplicateWebhooksIgnored(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	captured := event("ev-1", "payment.captured", `"payment":`+paymentJSON("p1", "CAPTURED", 25000))
	seen := map[string]bool{}
	var collected int64
	for range 3 {
		if err := c.VerifyWebhook(webhookKeyID, signWebhook(captured, webhookSecret), captured); err != nil {
			t.Fatal(err)
		}
		e, err := c.ParseWebhook(captured)
		if err != nil {
			t.Fatal(err)
		}
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		collected += e.Amount.Micros
	}
	if collected != 250_000_000 {
		t.Errorf("collected %d micros, want 250000000 once", collected)
	}
}
