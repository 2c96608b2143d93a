package worldline_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/worldline"
)

const (
	pspid         = "BookingShop1"
	apiKeyID      = "KEY123"
	apiSecret     = "api-secret-value"
	webhookKeyID  = "WHKEY9"
	webhookSecret = "webhook-secret-value"
)

var now = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

type request struct {
	method, path string
	header       http.Header
	body         map[string]any
}

// fakeWorldline speaks Worldline Direct v2: it recomputes the v1HMAC signature from
// the documented string-to-hash and refuses the request when it differs.
type fakeWorldline struct {
	server   *httptest.Server
	requests chan request
}

// expectedAuth is written independently of the package: method, content type, date,
// sorted lower-case x-gcs headers, path, each followed by a newline.
func expectedAuth(r *http.Request) string {
	s := r.Method + "\n" + r.Header.Get("Content-Type") + "\n" + r.Header.Get("Date") + "\n"
	if k := r.Header.Get("X-GCS-Idempotence-Key"); k != "" {
		s += "x-gcs-idempotence-key:" + k + "\n"
	}
	s += r.URL.Path + "\n"
	mac := hmac.New(sha256.New, []byte(apiSecret))
	mac.Write([]byte(s))
	return "GCS v1HMAC:" + apiKeyID + ":" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func setup(t *testing.T) (*worldline.Client, *fakeWorldline) {
	t.Helper()
	f := &fakeWorldline{requests: make(chan request, 10)}
	mux := http.NewServeMux()
	handle := func(pattern, answer string) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if r.PathValue("merchant") != pspid {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			if r.Header.Get("Authorization") != expectedAuth(r) {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"errorId":"e-1","errors":[{"errorCode":"9007","code":"9007"}]}`)
				return
			}
			if r.Header.Get("Date") != now.Format(http.TimeFormat) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			req := request{method: r.Method, path: r.URL.Path, header: r.Header}
			if raw, _ := io.ReadAll(r.Body); len(raw) > 0 {
				if err := json.Unmarshal(raw, &req.body); err != nil {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
			}
			f.requests <- req
			w.Header().Set("Content-Type", "application/json")
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusCreated)
			}
			io.WriteString(w, answer)
		})
	}
	handle("POST /v2/{merchant}/hostedcheckouts", `{"RETURNMAC":"mac-1","hostedCheckoutId":"hc-42","merchantReference":"bk-7","redirectUrl":"https://payment.preprod.direct.worldline-solutions.com/hostedcheckout/PaymentMethods/Selection/abc"}`)
	handle("GET /v2/{merchant}/hostedcheckouts/{id}", `{"createdPaymentOutput":{"payment":`+paymentJSON("3066019730_0", "CAPTURED", 12345)+`,"paymentStatusCategory":"SUCCESSFUL"},"status":"PAYMENT_CREATED"}`)
	handle("GET /v2/{merchant}/payments/{id}", paymentJSON("3066019730_0", "CAPTURED", 12345))
	handle("POST /v2/{merchant}/payments/{id}/refund", `{"id":"3066019730_1","refundOutput":{"amountOfMoney":{"amount":2001,"currencyCode":"EUR"}},"status":"REFUND_REQUESTED","statusOutput":{"statusCode":81}}`)
	handle("POST /v2/{merchant}/payments/{id}/capture", `{"id":"3066019730_1","captureOutput":{"amountOfMoney":{"amount":12345,"currencyCode":"EUR"},"paymentMethod":"card"},"status":"CAPTURED","statusOutput":{"statusCategory":"COMPLETED","statusCode":9}}`)
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	return client(t, f.server.URL, apiSecret), f
}

func client(t *testing.T, url, secret string) *worldline.Client {
	t.Helper()
	c, err := worldline.New(worldline.Config{
		BaseURL: url, MerchantID: pspid, APIKeyID: apiKeyID, APISecret: secretOf(secret),
		WebhookKeyID: webhookKeyID, WebhookSecret: webhookSecret, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func paymentJSON(id, status string, cents int64) string {
	return fmt.Sprintf(`{"id":%q,"status":%q,"paymentOutput":{"amountOfMoney":{"amount":%d,"currencyCode":"EUR"},"references":{"merchantReference":"bk-7"},"paymentMethod":"redirect","redirectPaymentMethodSpecificOutput":{"paymentProductId":3103}},"statusOutput":{"statusCategory":"COMPLETED","statusCode":9}}`, id, status, cents)
}

func TestCreateHostedCheckoutBimpli(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	got, err := c.CreateHostedCheckout(context.Background(), worldline.CheckoutRequest{
		Amount:            booking.Money{Micros: 17_000_000, Currency: "EUR"},
		MerchantReference: "bk-7",
		CustomerEmail:     "jean.dupont@example.fr",
		Locale:            "fr_FR",
		ReturnURL:         "https://shop.example/return",
		PaymentProductID:  worldline.ProductBimpliCADO,
		IdempotenceKey:    "bk-7-attempt-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.HostedCheckoutID != "hc-42" || got.ReturnMAC != "mac-1" || !strings.HasPrefix(got.RedirectURL, "https://") {
		t.Errorf("CreateHostedCheckout = %+v", got)
	}
	r := <-f.requests
	if r.path != "/v2/"+pspid+"/hostedcheckouts" || r.header.Get("Content-Type") != "application/json" || r.header.Get("X-GCS-Idempotence-Key") != "bk-7-attempt-1" {
		t.Errorf("request %s %v", r.path, r.header)
	}
	js, _ := json.Marshal(r.body)
	for _, want := range []string{
		`"amountOfMoney":{"amount":1700,"currencyCode":"EUR"}`,
		`"contactDetails":{"emailAddress":"jean.dupont@example.fr"}`,
		`"locale":"fr_FR"`,
		`"redirectPaymentMethodSpecificInput":{"paymentProductId":3103,"requiresApproval":false,"returnUrl":"https://shop.example/return"}`,
		// Captured at once whatever the account's default (an authorise-only account
		// would leave the payment PENDING_CAPTURE and the booking never confirmed).
		`"cardPaymentMethodSpecificInput":{"authorizationMode":"SALE"}`,
		`"merchantReference":"bk-7"`,
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("request body %s lacks %s", js, want)
		}
	}
}

func TestCreateHostedCheckoutRejects(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	for _, tc := range []struct {
		name string
		req  worldline.CheckoutRequest
	}{
		{"Bimpli in PLN", worldline.CheckoutRequest{Amount: booking.Money{Micros: 50_000_000, Currency: "PLN"}, PaymentProductID: worldline.ProductBimpliCADO}},
		{"zero", worldline.CheckoutRequest{Amount: booking.Money{Currency: "EUR"}}},
		{"sub-cent", worldline.CheckoutRequest{Amount: booking.Money{Micros: 10_001, Currency: "EUR"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := c.CreateHostedCheckout(context.Background(), tc.req); !errors.Is(err, booking.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestWrongSecretRefusedByServer(t *testing.T) {
	t.Parallel()
	_, f := setup(t)
	c := client(t, f.server.URL, "not-the-secret")
	_, err := c.GetPayment(context.Background(), "3066019730_0")
	var apiErr *worldline.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.ErrorID != "e-1" {
		t.Errorf("err = %v, want 401 APIError", err)
	}
}

func TestGetHostedCheckoutAndPayment(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	st, err := c.GetHostedCheckout(context.Background(), "hc-42")
	if err != nil {
		t.Fatal(err)
	}
	want := worldline.Payment{
		ID: "3066019730_0", Status: "CAPTURED", State: worldline.StateCollected, StatusCategory: "COMPLETED", StatusCode: 9,
		Amount: booking.Money{Micros: 123_450_000, Currency: "EUR"}, MerchantReference: "bk-7", PaymentProductID: 3103,
	}
	if st.Status != "PAYMENT_CREATED" || st.Payment == nil || *st.Payment != want {
		t.Errorf("GetHostedCheckout = %+v %+v", st, st.Payment)
	}
	if r := <-f.requests; r.method != http.MethodGet || r.path != "/v2/"+pspid+"/hostedcheckouts/hc-42" || r.header.Get("Content-Type") != "" {
		t.Errorf("request %s %s %v", r.method, r.path, r.header)
	}
	p, err := c.GetPayment(context.Background(), "3066019730_0")
	if err != nil || p != want {
		t.Errorf("GetPayment = %+v, %v", p, err)
	}
	<-f.requests
	if _, err := c.GetPayment(context.Background(), "a/../b"); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("unsafe id: err = %v", err)
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	got, err := c.Refund(context.Background(), worldline.RefundRequest{
		PaymentID: "3066019730_0", Amount: booking.Money{Micros: 20_010_000, Currency: "EUR"},
		MerchantReference: "rf-1", IdempotenceKey: "rf-1-leg-0",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := worldline.Refund{ID: "3066019730_1", PaymentID: "3066019730_0", Status: "REFUND_REQUESTED", State: worldline.StatePending, Amount: booking.Money{Micros: 20_010_000, Currency: "EUR"}}
	if got != want {
		t.Errorf("Refund = %+v, want %+v", got, want)
	}
	r := <-f.requests
	js, _ := json.Marshal(r.body)
	if r.path != "/v2/"+pspid+"/payments/3066019730_0/refund" || string(js) != `{"amountOfMoney":{"amount":2001,"currencyCode":"EUR"},"references":{"merchantReference":"rf-1"}}` {
		t.Errorf("refund request %s %s", r.path, js)
	}
}

func TestCapture(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	got, err := c.Capture(context.Background(), worldline.CaptureRequest{
		PaymentID: "3066019730_0", Amount: booking.Money{Micros: 123_450_000, Currency: "EUR"}, IdempotenceKey: "3066019730_0:capture",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := worldline.Capture{ID: "3066019730_1", Status: "CAPTURED", State: worldline.StateCollected, Amount: booking.Money{Micros: 123_450_000, Currency: "EUR"}}
	if got != want {
		t.Errorf("Capture = %+v, want %+v", got, want)
	}
	r := <-f.requests
	js, _ := json.Marshal(r.body)
	if r.path != "/v2/"+pspid+"/payments/3066019730_0/capture" || string(js) != `{"amount":12345,"isFinal":true}` || r.header.Get("X-GCS-Idempotence-Key") != "3066019730_0:capture" {
		t.Errorf("capture request %s %s %v", r.path, js, r.header)
	}
}
