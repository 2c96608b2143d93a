package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/gateways"
	"github.com/bookingserver/bookingserver/payment/secrets"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// Gateway accounts of the tests; the secrets must never come back out.
const (
	imojeMerchant, imojeService, imojeToken, imojeShopKey = "imx1", "svc-1", "imoje-token-SECRET1", "imoje-shop-key-SECRET2"
	wlPSPID, wlKeyID, wlSecret, wlHookKeyID, wlHookSecret = "PSP1", "key-1", "wl-api-SECRET3", "hook-1", "wl-hook-SECRET4"
	stripeKey, stripeHook                                 = "sk_test_SECRET5", "whsec_SECRET6"
)

// eurServices makes m1/haircut cost 100 EUR (Bimpli CADO takes EUR only).
const eurServices = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
 "service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut","price":{"price_micros":"100000000","currency_code":"EUR"}}]}`

// fakeGateway is one httptest server speaking imoje's and Worldline's REST APIs and
// checking our signatures: imoje's bearer token, Worldline's v1HMAC.
type fakeGateway struct {
	*httptest.Server
	mu       sync.Mutex
	payments map[string]string // Worldline payment id → GetPayment JSON
	refunds  []map[string]any
	// captures: Worldline captures of authorised (PENDING_CAPTURE) payments.
	captures []map[string]any
	// wlIdempotent: Worldline X-GCS-Idempotence-Key → the refund answered for it.
	wlIdempotent map[string]string
	// dropRefunds: that many next refunds are made, then the connection is cut
	// before the answer (the caller cannot know whether money moved).
	dropRefunds int
	// cutRefunds: that many next refund calls are cut before anything is made (the
	// caller cannot tell this from dropRefunds).
	cutRefunds int
	// lookupDown makes imoje's transaction lookup answer 503.
	lookupDown bool
	// now is the gateway's clock, for the refunds' created timestamps.
	now func() time.Time
}

// cutConnection closes the connection under w without an answer.
func cutConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// cutBeforeRefund reports whether this refund call is to be cut before it is made.
func (f *fakeGateway) cutBeforeRefund(w http.ResponseWriter) bool {
	f.mu.Lock()
	cut := f.cutRefunds > 0
	if cut {
		f.cutRefunds--
	}
	f.mu.Unlock()
	if cut {
		cutConnection(w)
	}
	return cut
}

// answerRefund writes a refund's answer, or cuts the connection when a drop is due.
func (f *fakeGateway) answerRefund(w http.ResponseWriter, status int, body string) {
	f.mu.Lock()
	drop := f.dropRefunds > 0
	if drop {
		f.dropRefunds--
	}
	f.mu.Unlock()
	if drop {
		cutConnection(w)
		return
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func newFakeGateway(t *testing.T) *fakeGateway {
	f := &fakeGateway{payments: map[string]string{}, wlIdempotent: map[string]string{}, now: time.Now}
	mux := http.NewServeMux()
	imoje := func(h func(w http.ResponseWriter, r *http.Request, body map[string]any)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var body map[string]any
			if r.Header.Get("Authorization") != "Bearer "+imojeToken || r.PathValue("m") != imojeMerchant || json.NewDecoder(r.Body).Decode(&body) != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			h(w, r, body)
		}
	}
	mux.HandleFunc("POST /v1/merchant/{m}/payment", imoje(func(w http.ResponseWriter, _ *http.Request, b map[string]any) {
		fmt.Fprintf(w, `{"payment":{"id":"pay-%s","url":"https://paywall.imoje.test/pay-%s"}}`, b["orderId"], b["orderId"])
	}))
	mux.HandleFunc("POST /v1/merchant/{m}/transaction/{tx}/refund", imoje(func(w http.ResponseWriter, r *http.Request, b map[string]any) {
		if f.cutBeforeRefund(w) {
			return
		}
		id := f.addRefund(map[string]any{"of": r.PathValue("tx"), "amount": b["amount"]}, func(of string, n int) string { return fmt.Sprintf("%s_r%d", of, n) })
		f.answerRefund(w, http.StatusOK, fmt.Sprintf(`{"transaction":{"id":%q,"type":"refund","status":"new","amount":%v,"currency":"USD","orderId":"x"}}`, id, b["amount"]))
	}))
	mux.HandleFunc("GET /v1/merchant/{m}/transaction/{tx}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+imojeToken || r.PathValue("m") != imojeMerchant {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.lookupDown {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var refunds []string
		for _, rf := range f.refunds {
			if rf["of"] == r.PathValue("tx") {
				refunds = append(refunds, fmt.Sprintf(`{"transaction":{"id":%q,"type":"refund","status":"settled","amount":%v,"currency":"USD","orderId":"x","created":%d}}`,
					rf["id"], rf["amount"], rf["created"]))
			}
		}
		fmt.Fprintf(w, `{"transaction":{"id":%q,"type":"sale","status":"settled","amount":1500,"currency":"USD","orderId":"x","refunds":[%s]}}`,
			r.PathValue("tx"), strings.Join(refunds, ","))
	})
	worldline := func(h func(w http.ResponseWriter, r *http.Request, body map[string]any)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.PathValue("m") != wlPSPID || r.Header.Get("Authorization") != worldlineAuth(r) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			var body map[string]any
			if raw, _ := io.ReadAll(r.Body); len(raw) > 0 {
				_ = json.Unmarshal(raw, &body)
			}
			w.Header().Set("Content-Type", "application/json")
			h(w, r, body)
		}
	}
	mux.HandleFunc("POST /v2/{m}/hostedcheckouts", worldline(func(w http.ResponseWriter, _ *http.Request, b map[string]any) {
		ref := b["order"].(map[string]any)["references"].(map[string]any)["merchantReference"]
		var product any
		if in, ok := b["redirectPaymentMethodSpecificInput"].(map[string]any); ok {
			product = in["paymentProductId"]
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"hostedCheckoutId":"hc-%v","redirectUrl":"https://checkout.worldline.test/hc-%v?product=%v","RETURNMAC":"m"}`, ref, ref, product)
	}))
	mux.HandleFunc("GET /v2/{m}/payments/{id}", worldline(func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		p, ok := f.payments[r.PathValue("id")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		io.WriteString(w, p)
	}))
	mux.HandleFunc("GET /v2/{m}/payments/{id}/refunds", worldline(func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var list []string
		for _, rf := range f.refunds {
			if rf["of"] == r.PathValue("id") {
				list = append(list, fmt.Sprintf(`{"id":%q,"status":"REFUNDED","refundOutput":{"amountOfMoney":{"amount":%v,"currencyCode":"EUR"}}}`, rf["id"], rf["amount"]))
			}
		}
		fmt.Fprintf(w, `{"refunds":[%s]}`, strings.Join(list, ","))
	}))
	mux.HandleFunc("POST /v2/{m}/payments/{id}/capture", worldline(func(w http.ResponseWriter, r *http.Request, b map[string]any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		id := r.PathValue("id")
		p, ok := f.payments[id]
		if !ok || !strings.Contains(p, `"status":"PENDING_CAPTURE"`) {
			if answer, seen := f.wlIdempotent[r.Header.Get("X-GCS-Idempotence-Key")]; seen && ok {
				io.WriteString(w, answer) // a retried capture: the first answer
				return
			}
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"errorId":"e1","errors":[{"errorCode":"30511001","code":"1002"}]}`)
			return
		}
		f.payments[id] = strings.Replace(p, `"status":"PENDING_CAPTURE"`, `"status":"CAPTURED"`, 1)
		f.captures = append(f.captures, map[string]any{"of": id, "amount": b["amount"], "isFinal": b["isFinal"]})
		answer := fmt.Sprintf(`{"id":%q,"status":"CAPTURED","captureOutput":{"amountOfMoney":{"amount":%v,"currencyCode":"EUR"}},"statusOutput":{"statusCategory":"COMPLETED","statusCode":9}}`,
			worldlineOperationID(id, 1), b["amount"])
		if key := r.Header.Get("X-GCS-Idempotence-Key"); key != "" {
			f.wlIdempotent[key] = answer
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, answer)
	}))
	mux.HandleFunc("POST /v2/{m}/payments/{id}/refund", worldline(func(w http.ResponseWriter, r *http.Request, b map[string]any) {
		amount := b["amountOfMoney"].(map[string]any)["amount"]
		key := r.Header.Get("X-GCS-Idempotence-Key")
		f.mu.Lock()
		answer, seen := f.wlIdempotent[key]
		f.mu.Unlock()
		if !seen { // Worldline answers a repeated idempotence key with the first refund
			id := f.addRefund(map[string]any{"of": r.PathValue("id"), "amount": amount}, worldlineOperationID)
			answer = fmt.Sprintf(`{"id":%q,"status":"REFUND_REQUESTED","refundOutput":{"amountOfMoney":{"amount":%v,"currencyCode":"EUR"}}}`, id, amount)
			if key != "" {
				f.mu.Lock()
				f.wlIdempotent[key] = answer
				f.mu.Unlock()
			}
		}
		f.answerRefund(w, http.StatusCreated, answer)
	}))
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// addRefund records a refund made at the gateway; its id is newID(charge, n), n
// counting the refunds of that charge from 1.
func (f *fakeGateway) addRefund(r map[string]any, newID func(of string, n int) string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 1
	for _, prev := range f.refunds {
		if prev["of"] == r["of"] {
			n++
		}
	}
	r["id"] = newID(r["of"].(string), n)
	r["created"] = f.now().Unix()
	f.refunds = append(f.refunds, r)
	return r["id"].(string)
}

// worldlineOperationID is how Worldline Direct names the nth operation on a payment:
// "paymentid_operationid", the payment itself being "paymentid_0".
func worldlineOperationID(paymentID string, n int) string {
	return fmt.Sprintf("%s_%d", strings.TrimSuffix(paymentID, "_0"), n)
}

// worldlineRefund is a refund webhook's "refund" object as Worldline sends it (its
// SDKs' RefundResponse): no payment id, which the refund id's paymentid part names.
func worldlineRefund(id, status string, cents any) string {
	return fmt.Sprintf(`"refund":{"id":%q,"status":%q,"statusOutput":{"isCancellable":false,"statusCategory":"COMPLETED","statusCode":8},`+
		`"refundOutput":{"amountOfMoney":{"amount":%v,"currencyCode":"EUR"},"paymentMethod":"card"}}`, id, status, cents)
}

// worldlinePayment registers a payment GetPayment answers, as Worldline's API shows it.
func (f *fakeGateway) worldlinePayment(id, bookingID, status string, cents int64, product int) string {
	p := fmt.Sprintf(`{"id":%q,"status":%q,"paymentOutput":{"amountOfMoney":{"amount":%d,"currencyCode":"EUR"},"references":{"merchantReference":%q},"redirectPaymentMethodSpecificOutput":{"paymentProductId":%d}},"statusOutput":{"statusCategory":"COMPLETED","statusCode":9}}`,
		id, status, cents, bookingID, product)
	f.mu.Lock()
	f.payments[id] = p
	f.mu.Unlock()
	return p
}

// worldlineAuth is Worldline's v1HMAC, written from the documentation.
func worldlineAuth(r *http.Request) string {
	s := r.Method + "\n" + r.Header.Get("Content-Type") + "\n" + r.Header.Get("Date") + "\n"
	if k := r.Header.Get("X-GCS-Idempotence-Key"); k != "" {
		s += "x-gcs-idempotence-key:" + k + "\n"
	}
	s += r.URL.Path + "\n"
	mac := hmac.New(sha256.New, []byte(wlSecret))
	mac.Write([]byte(s))
	return "GCS v1HMAC:" + wlKeyID + ":" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// gwBundle is a running server with gateway accounts for m1 pointing at the fake.
type gwBundle struct {
	*cartBundle
	fake *fakeGateway
}

// eachGatewayStore runs fn, as a parallel subtest, with a gateway server over each
// store (storetest.EachReopenable): what the gateways do to money is the contract both keep.
func eachGatewayStore(t *testing.T, fn func(t *testing.T, b *gwBundle)) {
	t.Helper()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) { fn(t, gwSetupOn(t, open)) })
}

// gwSetupOn starts a server over the store open opens, with the fixture feeds and
// m1's gateway accounts pointing at a fake gateway.
func gwSetupOn(t *testing.T, open storetest.Opener) *gwBundle {
	t.Helper()
	fake := newFakeGateway(t)
	c := &cartBundle{clock: &fakeClock{now: time.Unix(storetest.SlotOneSpot-86400, 0)}, open: open}
	st, err := c.open()
	if err != nil {
		t.Fatal(err)
	}
	storetest.LoadFixture(t, st)
	key, err := secrets.NewKey(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := gateways.New(gateways.Config{Store: st, Key: key, HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if c.core, err = booking.New(booking.Config{Store: st, Now: c.clock.Now, Gateways: reg}); err != nil {
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
	fake.mu.Lock()
	fake.now = c.clock.Now
	fake.mu.Unlock()
	b := &gwBundle{cartBundle: c, fake: fake}
	b.mustDo(t, "PUT", "/v1/merchants/m1/gateways/imoje", fmt.Sprintf(`{"merchant_id":%q,"service_id":%q,"api_token":%q,"shop_key":%q,"base_url":%q}`,
		imojeMerchant, imojeService, imojeToken, imojeShopKey, fake.URL), 200)
	b.mustDo(t, "PUT", "/v1/merchants/m1/gateways/worldline", fmt.Sprintf(`{"merchant_id":%q,"api_key_id":%q,"api_secret":%q,"webhook_key_id":%q,"webhook_secret":%q,"base_url":%q}`,
		wlPSPID, wlKeyID, wlSecret, wlHookKeyID, wlHookSecret, fake.URL), 200)
	b.mustDo(t, "PUT", "/v1/merchants/m1/gateways/stripe", fmt.Sprintf(`{"secret_key":%q,"webhook_secret":%q}`, stripeKey, stripeHook), 200)
	return b
}

// webhook posts a raw body with headers, without the admin token.
func (b *gwBundle) webhook(t *testing.T, gateway, body string, h map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", b.baseURL+"/v1/webhooks/"+gateway+"/m1", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// imojeHook sends an imoje notification signed with key.
func (b *gwBundle) imojeHook(t *testing.T, key, txID, typ, status, method, orderID string, cents int64) (int, string) {
	body := fmt.Sprintf(`{"transaction":{"id":%q,"type":%q,"status":%q,"amount":%d,"currency":"USD","orderId":%q,"serviceId":%q,"paymentMethod":%q}}`,
		txID, typ, status, cents, orderID, imojeService, method)
	sum := sha256.Sum256([]byte(body + key))
	sig := fmt.Sprintf("merchantid=%s;serviceid=%s;signature=%s;alg=sha256", imojeMerchant, imojeService, hex.EncodeToString(sum[:]))
	return b.webhook(t, "imoje", body, map[string]string{"X-Imoje-Signature": sig})
}

// worldlineHook sends a Worldline webhook signed with secret.
func (b *gwBundle) worldlineHook(t *testing.T, secret, eventID, typ, object string) (int, string) {
	body := fmt.Sprintf(`{"apiVersion":"v1","id":%q,"created":"2030-01-01T00:00:00Z","merchantId":%q,"type":%q,%s}`, eventID, wlPSPID, typ, object)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return b.webhook(t, "worldline", body, map[string]string{"X-GCS-Signature": base64.StdEncoding.EncodeToString(mac.Sum(nil)), "X-GCS-KeyId": wlHookKeyID})
}

// ledgerTotals sums a booking's ledger: charged and refunded micros.
func ledgerTotals(v map[string]any) (charged, refunded float64, n int) {
	entries, _ := v["ledger"].([]any)
	for _, e := range entries {
		m := e.(map[string]any)
		var amt float64
		fmt.Sscan(fmt.Sprint(m["amount_micros"]), &amt)
		switch m["kind"] {
		case "KIND_CHARGE":
			charged += amt
		case "KIND_REFUND":
			refunded += amt
		case "KIND_REFUND_REVERSED":
			refunded -= amt
		}
	}
	return charged, refunded, len(entries)
}

func TestImojeWebhookConfirms(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		resp := b.book(t, storetest.SlotFiveSpots, "u1", "IMOJE", "r1")
		bid := field(resp, "booking", "booking_id").(string)
		if got := resp["redirect_url"]; got != "https://paywall.imoje.test/pay-"+bid {
			t.Fatalf("redirect_url %v", got)
		}
		if field(resp, "booking", "status") != "PENDING_MERCHANT_CONFIRMATION" {
			t.Fatalf("status %v", field(resp, "booking", "status"))
		}
		// A wrong shop key: 401 with a clear message, nothing changed.
		if code, out := b.imojeHook(t, "wrong-key", "tx-1", "sale", "settled", "blik", bid, 1500); code != 401 || !strings.Contains(out, "signature") {
			t.Fatalf("bad signature: %d %s", code, out)
		}
		if v := b.get(t, bid); field(v, "booking", "status") != "PENDING_MERCHANT_CONFIRMATION" {
			t.Fatalf("bad signature changed the booking: %v", v)
		}
		for i := range 2 { // the second delivery is a duplicate
			if code, out := b.imojeHook(t, imojeShopKey, "tx-1", "sale", "settled", "blik", bid, 1500); code != 200 || out != `{"status":"ok"}` {
				t.Fatalf("delivery %d: %d %s", i, code, out)
			}
		}
		v := b.get(t, bid)
		if field(v, "booking", "status") != "CONFIRMED" || field(v, "booking", "payment_information", "payment_transaction_id") != "tx-1" {
			t.Fatalf("after webhook: %v", v)
		}
		if charged, _, n := ledgerTotals(v); charged != 15e6 || n != 1 {
			t.Fatalf("ledger: charged %v in %d entries, want one charge of 15e6", charged, n)
		}
		// Refund 5 then 10 through the merchant API; imoje's echoes change nothing, and a
		// third refund beyond the capture is refused.
		for i, amount := range []int{5, 10} {
			body := fmt.Sprintf(`{"request_id":"rf%d","amount":{"price_micros":"%d000000","currency_code":"USD"}}`, i, amount)
			b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", body, 200)
			if code, _ := b.imojeHook(t, imojeShopKey, fmt.Sprintf("tx-1_r%d", i+1), "refund", "settled", "blik", bid, int64(amount*100)); code != 200 {
				t.Fatalf("echo %d: %d", i, code)
			}
		}
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf9","amount":{"price_micros":"1000000","currency_code":"USD"}}`, 400)
		if _, refunded, _ := ledgerTotals(b.get(t, bid)); refunded != 15e6 {
			t.Fatalf("refunded %v, want exactly 15e6 (echoes not counted twice)", refunded)
		}
	})
}

func TestImojePayLaterAndFailure(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := field(b.book(t, storetest.SlotFiveSpots, "u1", "IMOJE", "r1"), "booking", "booking_id").(string)
		// Pay-later: "authorized" is collected; the later "settled" of the same transaction is not counted again.
		b.imojeHook(t, imojeShopKey, "tx-pl", "sale", "authorized", "imoje_paylater", bid, 1500)
		b.imojeHook(t, imojeShopKey, "tx-pl", "sale", "settled", "imoje_paylater", bid, 1500)
		v := b.get(t, bid)
		if charged, _, _ := ledgerTotals(v); field(v, "booking", "status") != "CONFIRMED" || charged != 15e6 {
			t.Fatalf("pay-later: %v", v)
		}
		// A rejected payment keeps the hold while the customer may retry; once the hold
		// has expired, a rejection (or the sweeper) releases the spot.
		bid2 := field(b.book(t, storetest.SlotOneSpot, "u2", "IMOJE", "r2"), "booking", "booking_id").(string)
		if b.available(t, storetest.SlotOneSpot) {
			t.Fatal("held slot still available")
		}
		b.imojeHook(t, imojeShopKey, "tx-rj", "sale", "rejected", "blik", bid2, 1500)
		if field(b.get(t, bid2), "booking", "status") != "PENDING_MERCHANT_CONFIRMATION" || b.available(t, storetest.SlotOneSpot) {
			t.Fatal("rejected attempt released a live hold")
		}
		b.clock.Advance(time.Hour)
		b.imojeHook(t, imojeShopKey, "tx-rj2", "sale", "rejected", "blik", bid2, 1500)
		if field(b.get(t, bid2), "booking", "status") != "CANCELED" || !b.available(t, storetest.SlotOneSpot) {
			t.Fatal("rejected payment after the hold's deadline did not release the spot")
		}
	})
}

func TestWorldlineGiftCardsSplitRefunds(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		if _, err := b.store.LoadFeed(t.Context(), 2, []byte(eurServices)); err != nil {
			t.Fatal(err)
		}
		body := fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800"},"user_information":{"user_id":"u1","email":"u1@example.com"},
		"payment_method":"WORLDLINE","request_id":"w1","gift_cards":[{"amount":{"price_micros":"20000000","currency_code":"EUR"}},{"amount":{"price_micros":"30000000","currency_code":"EUR"}},{"amount":{"price_micros":"10000000","currency_code":"EUR"}}]}`, storetest.SlotFiveSpots)
		resp := b.mustDo(t, "POST", "/v1/bookings", body, 200)
		bid := field(resp, "booking", "booking_id").(string)
		if !strings.HasSuffix(resp["redirect_url"].(string), "?product=3103") {
			t.Fatalf("redirect_url %v, want the Bimpli CADO checkout", resp["redirect_url"])
		}
		legs := field(b.get(t, bid), "record", "payment", "gateway", "legs").([]any)
		if len(legs) != 4 {
			t.Fatalf("legs %v, want 3 gift cards + card", legs)
		}
		// Four legs captured: 20, 30, 10 by gift card, 40 by card.
		for i, l := range []struct {
			cents   int64
			product int
		}{{2000, 3103}, {3000, 3103}, {1000, 3103}, {4000, 1}} {
			id := fmt.Sprintf("p%d_0", i)
			p := b.fake.worldlinePayment(id, bid, "CAPTURED", l.cents, l.product)
			if code, out := b.worldlineHook(t, wlHookSecret, "ev-"+id, "payment.captured", `"payment":`+p); code != 200 {
				t.Fatalf("leg %d: %d %s", i, code, out)
			}
		}
		if code, _ := b.worldlineHook(t, "wrong", "ev-x", "payment.captured", `"payment":`+b.fake.worldlinePayment("p0_0", bid, "CAPTURED", 2000, 3103)); code != 401 {
			t.Fatalf("bad signature: %d", code)
		}
		v := b.get(t, bid)
		if charged, _, _ := ledgerTotals(v); field(v, "booking", "status") != "CONFIRMED" || charged != 100e6 {
			t.Fatalf("after four legs: %v", v)
		}
		// Two partial refunds: 50 takes the card's 40 and 10 from the last gift card; 25
		// takes nothing more from them, then the second gift card.
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf1","amount":{"price_micros":"50000000","currency_code":"EUR"}}`, 200)
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf2","amount":{"price_micros":"25000000","currency_code":"EUR"}}`, 200)
		b.fake.mu.Lock()
		refunds := append([]map[string]any(nil), b.fake.refunds...)
		b.fake.mu.Unlock()
		var got []string
		for _, r := range refunds {
			got = append(got, fmt.Sprintf("%v of %v: %v", r["id"], r["of"], r["amount"]))
		}
		if want := "[p3_1 of p3_0: 4000 p2_1 of p2_0: 1000 p1_1 of p1_0: 2500]"; fmt.Sprint(got) != want {
			t.Fatalf("refunds at the gateway %s, want %s", got, want)
		}
		// Worldline echoes every refund (twice): nothing is counted again.
		for i, r := range append(refunds, refunds...) {
			obj := worldlineRefund(r["id"].(string), "REFUNDED", r["amount"])
			if code, out := b.worldlineHook(t, wlHookSecret, fmt.Sprintf("ev-r%d", i), "refund.refunded", obj); code != 200 {
				t.Fatalf("echo %d: %d %s", i, code, out)
			}
		}
		// A refund made in Worldline's back office is recorded once, within the leg's cap.
		obj := worldlineRefund("p0_1", "REFUNDED", 2000)
		for range 2 {
			b.worldlineHook(t, wlHookSecret, "ev-bo", "refund.refunded", obj)
		}
		b.mustDo(t, "POST", "/v1/bookings/"+bid+":refund", `{"request_id":"rf3","amount":{"price_micros":"10000000","currency_code":"EUR"}}`, 400)
		if _, refunded, _ := ledgerTotals(b.get(t, bid)); refunded != 95e6 {
			t.Fatalf("refunded %v, want 95e6", refunded)
		}
	})
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestGatewaySecretsNeverShown is not parallel: it captures the process's slog output.
func TestGatewaySecretsNeverShown(t *testing.T) {
	var logs syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		var answers strings.Builder
		for _, g := range []string{"imoje", "worldline", "stripe"} {
			out := b.mustDo(t, "GET", "/v1/merchants/m1/gateways/"+g, "", 200)
			raw, _ := json.Marshal(out)
			answers.Write(raw)
			for name, s := range field(out, "account", "secrets").(map[string]any) {
				if s.(map[string]any)["set"] != true {
					t.Errorf("%s %s not set", g, name)
				}
			}
		}
		if !strings.Contains(answers.String(), imojeMerchant) {
			t.Errorf("settings missing: %s", answers.String())
		}
		// A failing webhook and a signed one go through the logs too.
		bid := field(b.book(t, storetest.SlotFiveSpots, "u1", "IMOJE", "r1"), "booking", "booking_id").(string)
		b.imojeHook(t, "nope", "tx-1", "sale", "settled", "blik", bid, 1500)
		b.imojeHook(t, imojeShopKey, "tx-1", "sale", "settled", "blik", bid, 1500)
		for _, s := range []string{imojeToken, imojeShopKey, wlSecret, wlHookSecret, stripeKey, stripeHook} {
			if strings.Contains(answers.String(), s) || strings.Contains(logs.String(), s) {
				t.Errorf("secret %q appears in an answer or the log", s)
			}
		}
		if !strings.Contains(logs.String(), "webhook refused") {
			t.Errorf("log capture did not see the webhook: %s", logs.String())
		}
	})
}
