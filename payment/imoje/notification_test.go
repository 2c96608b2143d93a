package imoje_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/imoje"
)

// sign computes the documented signature independently: sha256 over the raw body
// followed by the shop key, hex-encoded.
func sign(body []byte, key string) string {
	sum := sha256.Sum256(append(append([]byte{}, body...), key...))
	return hex.EncodeToString(sum[:])
}

func header(merchant, service, sig, alg string) string {
	return fmt.Sprintf("merchantid=%s;serviceid=%s;signature=%s;alg=%s", merchant, service, sig, alg)
}

const settledBody = `{"transaction":{"id":"tx-55","type":"sale","status":"settled","source":"web","amount":14999,"currency":"PLN","orderId":"bk-1","serviceId":"svc-7f1","paymentMethod":"blik","paymentMethodCode":"blik"},"payment":{"id":"pay-123"}}`

func TestVerifyNotification(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	body := []byte(settledBody)
	good := sign(body, shopKey)
	tampered := []byte(settledBody[:len(settledBody)-40] + `"amount":1,` + settledBody[len(settledBody)-40:])
	for _, tc := range []struct {
		name   string
		header string
		body   []byte
		ok     bool
	}{
		{"good", header(merchantID, serviceID, good, "sha256"), body, true},
		{"good, spaces and order", " alg=SHA256 ; signature=" + good + "; serviceid=" + serviceID + ";merchantid=" + merchantID, body, true},
		{"tampered body", header(merchantID, serviceID, good, "sha256"), tampered, false},
		{"wrong shop key", header(merchantID, serviceID, sign(body, "other-key"), "sha256"), body, false},
		{"other merchant", header("m-other", serviceID, good, "sha256"), body, false},
		{"other service", header(merchantID, "svc-other", good, "sha256"), body, false},
		{"alg md5", header(merchantID, serviceID, good, "md5"), body, false},
		{"no alg", fmt.Sprintf("merchantid=%s;serviceid=%s;signature=%s", merchantID, serviceID, good), body, false},
		{"not hex", header(merchantID, serviceID, "zz", "sha256"), body, false},
		{"truncated signature", header(merchantID, serviceID, good[:62], "sha256"), body, false},
		{"duplicate field", header(merchantID, serviceID, good, "sha256") + ";signature=" + good, body, false},
		{"empty header", "", body, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := c.VerifyNotification(tc.header, tc.body)
			if tc.ok && err != nil {
				t.Fatalf("VerifyNotification: %v", err)
			}
			if !tc.ok && !errors.Is(err, imoje.ErrSignature) {
				t.Fatalf("VerifyNotification: err = %v, want ErrSignature", err)
			}
		})
	}
}

func TestParseNotificationStates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, status, method string
		want                 imoje.State
	}{
		{"sale", "new", "blik", imoje.StatePending},
		{"sale", "pending", "pbl", imoje.StatePending},
		{"sale", "authorized", "card", imoje.StatePending},
		{"sale", "authorized", "imoje_paylater", imoje.StateCollected},
		{"sale", "settled", "blik", imoje.StateCollected},
		{"sale", "settled", "imoje_paylater", imoje.StateCollected},
		{"sale", "rejected", "blik", imoje.StateFailed},
		{"sale", "error", "card", imoje.StateFailed},
		{"sale", "cancelled", "pbl", imoje.StateCancelled},
		{"refund", "new", "blik", imoje.StatePending},
		{"refund", "settled", "blik", imoje.StateRefunded},
		{"refund", "rejected", "blik", imoje.StateFailed},
	} {
		t.Run(tc.kind+"/"+tc.status+"/"+tc.method, func(t *testing.T) {
			t.Parallel()
			body := fmt.Sprintf(`{"transaction":{"id":"tx-1","type":%q,"status":%q,"amount":100,"currency":"PLN","orderId":"bk-1","paymentMethod":%q}}`, tc.kind, tc.status, tc.method)
			n, err := imoje.ParseNotification([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if n.State != tc.want || n.Status != tc.status || string(n.Kind) != tc.kind {
				t.Errorf("got %v (%s, %s), want %v", n.State, n.Status, n.Kind, tc.want)
			}
		})
	}
}

func TestParseNotificationMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		want       booking.Money
		ok         bool
	}{
		{"PLN grosze", settledBody, booking.Money{Micros: 149_990_000, Currency: "PLN"}, true},
		{"one grosz", `{"transaction":{"id":"t","type":"sale","status":"settled","amount":1,"currency":"PLN"}}`, booking.Money{Micros: 10_000, Currency: "PLN"}, true},
		{"EUR cents lower case", `{"transaction":{"id":"t","type":"sale","status":"settled","amount":2050,"currency":"eur"}}`, booking.Money{Micros: 20_500_000, Currency: "EUR"}, true},
		{"float amount", `{"transaction":{"id":"t","type":"sale","status":"settled","amount":149.99,"currency":"PLN"}}`, booking.Money{}, false},
		{"negative", `{"transaction":{"id":"t","type":"sale","status":"settled","amount":-1,"currency":"PLN"}}`, booking.Money{}, false},
		{"huge", `{"transaction":{"id":"t","type":"sale","status":"settled","amount":9223372036854775807,"currency":"PLN"}}`, booking.Money{}, false},
		{"no amount", `{"transaction":{"id":"t","type":"sale","status":"settled","currency":"PLN"}}`, booking.Money{}, false},
		{"bad currency", `{"transaction":{"id":"t","type":"sale","status":"settled","amount":1,"currency":"zł"}}`, booking.Money{}, false},
		{"unknown status", `{"transaction":{"id":"t","type":"sale","status":"weird","amount":1,"currency":"PLN"}}`, booking.Money{}, false},
		{"unknown type", `{"transaction":{"id":"t","type":"payout","status":"settled","amount":1,"currency":"PLN"}}`, booking.Money{}, false},
		{"no transaction", `{"payment":{"id":"p"}}`, booking.Money{}, false},
		{"not json", `<xml/>`, booking.Money{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := imoje.ParseNotification([]byte(tc.body))
			if !tc.ok {
				if !errors.Is(err, booking.ErrInvalid) {
					t.Fatalf("err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Amount != tc.want {
				t.Errorf("Amount = %v, want %v", n.Amount, tc.want)
			}
		})
	}
}

func TestDuplicateNotificationsIgnored(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	pending := `{"transaction":{"id":"tx-55","type":"sale","status":"pending","amount":14999,"currency":"PLN","orderId":"bk-1"}}`
	// imoje retries until acknowledged: the same settled notification arrives twice,
	// after a pending one for the same transaction.
	deliveries := []string{pending, settledBody, settledBody, pending}
	seen := map[string]bool{}
	var collected int64
	var applied []string
	for _, body := range deliveries {
		if err := c.VerifyNotification(header(merchantID, serviceID, sign([]byte(body), shopKey), "sha256"), []byte(body)); err != nil {
			t.Fatal(err)
		}
		n, err := imoje.ParseNotification([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if seen[n.DedupeKey()] {
			continue
		}
		seen[n.DedupeKey()] = true
		applied = append(applied, n.Status)
		if n.State == imoje.StateCollected {
			collected += n.Amount.Micros
		}
	}
	if fmt.Sprint(applied) != "[pending settled]" || collected != 149_990_000 {
		t.Errorf("applied %v, collected %d; want [pending settled], 149990000", applied, collected)
	}
}
