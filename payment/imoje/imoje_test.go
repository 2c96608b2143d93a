package imoje_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/imoje"
)

const (
	merchantID = "m6x2ab"
	serviceID  = "svc-7f1"
	apiToken   = "token-abc"
	shopKey    = "shop-key-xyz"
)

// fakeImoje is an httptest server that speaks imoje's REST API: bearer token, JSON
// bodies in minor units, merchant-scoped paths.
type fakeImoje struct {
	t        *testing.T
	server   *httptest.Server
	requests chan map[string]any
}

func setup(t *testing.T) (*imoje.Client, *fakeImoje) {
	t.Helper()
	f := &fakeImoje{t: t, requests: make(chan map[string]any, 10)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/merchant/{merchant}/payment", func(w http.ResponseWriter, r *http.Request) {
		body, ok := f.check(w, r)
		if !ok {
			return
		}
		f.requests <- body
		fmt.Fprintf(w, `{"payment":{"id":"pay-123","url":"https://sandbox.paywall.imoje.pl/pl/payment/pay-123","status":"new","orderId":%q}}`, body["orderId"])
	})
	mux.HandleFunc("POST /v1/merchant/{merchant}/transaction/{tx}/refund", func(w http.ResponseWriter, r *http.Request) {
		body, ok := f.check(w, r)
		if !ok {
			return
		}
		body["transaction"] = r.PathValue("tx")
		f.requests <- body
		fmt.Fprintf(w, `{"transaction":{"id":"ref-9","type":"refund","status":"new","amount":%v,"currency":"PLN","orderId":"bk-1"}}`, body["amount"])
	})
	mux.HandleFunc("GET /v1/merchant/{merchant}/transaction/{tx}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("merchant") != merchantID || r.Header.Get("Authorization") != "Bearer "+apiToken {
			http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		f.requests <- map[string]any{"transaction": r.PathValue("tx")}
		fmt.Fprintf(w, `{"transaction":{"id":%q,"type":"sale","status":"settled","amount":14999,"currency":"PLN","orderId":"bk-1","created":1735686000,"refunds":[`+
			`{"transaction":{"id":"ref-1","type":"refund","status":"settled","amount":5000,"currency":"PLN","orderId":"bk-1","created":1735687000}},`+
			`{"transaction":{"id":"ref-2","type":"refund","status":"rejected","amount":2000,"currency":"PLN","orderId":"bk-1","created":1735688000}}]}}`, r.PathValue("tx"))
	})
	f.server = httptest.NewServer(mux)
	t.Cleanup(f.server.Close)
	c, err := imoje.New(imoje.Config{
		BaseURL: f.server.URL, MerchantID: merchantID, ServiceID: serviceID,
		APIToken: apiToken, ShopKey: shopKey, HTTPClient: f.server.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

// check enforces what imoje documents for every call and decodes the JSON body.
func (f *fakeImoje) check(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if r.PathValue("merchant") != merchantID {
		http.Error(w, `{"message":"merchant"}`, http.StatusNotFound)
		return nil, false
	}
	if r.Header.Get("Authorization") != "Bearer "+apiToken {
		http.Error(w, `{"message":"unauthorized"}`, http.StatusUnauthorized)
		return nil, false
	}
	if r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"message":"content type"}`, http.StatusUnsupportedMediaType)
		return nil, false
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		http.Error(w, `{"message":"json"}`, http.StatusBadRequest)
		return nil, false
	}
	return body, true
}

func TestCreatePayment(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	got, err := c.CreatePayment(context.Background(), imoje.PaymentRequest{
		OrderID:   "bk-1",
		Amount:    booking.Money{Micros: 149_990_000, Currency: "PLN"},
		Title:     "Strzyżenie",
		Customer:  imoje.Customer{FirstName: "Jan", LastName: "Kowalski", Email: "jan@example.pl"},
		ReturnURL: "https://shop.example/return",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "pay-123" || got.URL != "https://sandbox.paywall.imoje.pl/pl/payment/pay-123" {
		t.Errorf("CreatePayment = %+v", got)
	}
	body := <-f.requests
	want := map[string]any{
		"serviceId": serviceID, "amount": float64(14999), "currency": "PLN", "orderId": "bk-1",
		"title": "Strzyżenie", "returnUrl": "https://shop.example/return",
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("request %s = %v, want %v", k, body[k], v)
		}
	}
	if cust, _ := body["customer"].(map[string]any); cust["firstName"] != "Jan" || cust["email"] != "jan@example.pl" {
		t.Errorf("request customer = %v", body["customer"])
	}
}

func TestCreatePaymentRejects(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	for _, tc := range []struct {
		name string
		req  imoje.PaymentRequest
	}{
		{"no order", imoje.PaymentRequest{Amount: booking.Money{Micros: 1_000_000, Currency: "PLN"}}},
		{"zero", imoje.PaymentRequest{OrderID: "b", Amount: booking.Money{Currency: "PLN"}}},
		{"negative", imoje.PaymentRequest{OrderID: "b", Amount: booking.Money{Micros: -1_000_000, Currency: "PLN"}}},
		{"sub-grosz", imoje.PaymentRequest{OrderID: "b", Amount: booking.Money{Micros: 1_005_000, Currency: "PLN"}}},
		{"bad currency", imoje.PaymentRequest{OrderID: "b", Amount: booking.Money{Micros: 1_000_000, Currency: "PL"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := c.CreatePayment(context.Background(), tc.req); !errors.Is(err, booking.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestWrongTokenIsAPIError(t *testing.T) {
	t.Parallel()
	_, f := setup(t)
	c, err := imoje.New(imoje.Config{BaseURL: f.server.URL, MerchantID: merchantID, ServiceID: serviceID, APIToken: "wrong", ShopKey: shopKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreatePayment(context.Background(), imoje.PaymentRequest{OrderID: "b", Amount: booking.Money{Micros: 1_000_000, Currency: "PLN"}})
	var apiErr *imoje.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("err = %v, want 401 APIError", err)
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	got, err := c.Refund(context.Background(), imoje.RefundRequest{
		TransactionID: "tx-55", Amount: booking.Money{Micros: 50_010_000, Currency: "PLN"},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := <-f.requests
	if body["transaction"] != "tx-55" || body["type"] != "refund" || body["serviceId"] != serviceID || body["amount"] != float64(5001) {
		t.Errorf("refund request = %v", body)
	}
	want := imoje.Refund{ID: "ref-9", Status: "new", State: imoje.StatePending, Amount: booking.Money{Micros: 50_010_000, Currency: "PLN"}}
	if got != want {
		t.Errorf("Refund = %+v, want %+v", got, want)
	}
	if _, err := c.Refund(context.Background(), imoje.RefundRequest{TransactionID: "../x", Amount: want.Amount}); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("path-unsafe id: err = %v", err)
	}
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	c, f := setup(t)
	got, err := c.Refunds(context.Background(), "tx-1")
	if err != nil {
		t.Fatal(err)
	}
	pln := func(grosze int64) booking.Money { return booking.Money{Micros: grosze * 10_000, Currency: "PLN"} }
	want := []imoje.Refund{
		{ID: "ref-1", Status: "settled", State: imoje.StateRefunded, Amount: pln(5000), CreatedUnix: 1735687000},
		{ID: "ref-2", Status: "rejected", State: imoje.StateFailed, Amount: pln(2000), CreatedUnix: 1735688000},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Refunds = %+v\nwant %+v", got, want)
	}
	if r := <-f.requests; r["transaction"] != "tx-1" {
		t.Errorf("lookup of %v", r)
	}
	if _, err := c.Refunds(context.Background(), "../x"); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("unsafe id: %v", err)
	}
}
