package stripe_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// testKey is the secret key the fake accepts.
const testKey = "sk_test_fake123"

// fakeStripe is an httptest server speaking Stripe's protocol for the endpoints the
// adapter uses: form-encoded POSTs with a Bearer key, Idempotency-Key and
// Stripe-Version headers, JSON objects and errors shaped like Stripe's. It keeps
// state (payment methods, intents, refunds) and Stripe's idempotency rules, and can be
// told to fail the next requests.
type fakeStripe struct {
	t   *testing.T
	srv *httptest.Server

	mu sync.Mutex
	// requests records every request that reached the fake, failed ones included.
	requests []request
	// inject holds canned failures for the next requests, first first.
	inject []func(http.ResponseWriter)
	// replays maps idempotency keys to {fingerprint, status, body}.
	replays map[string]replayed
	seq     int
	pms     map[string]string // payment method id → token
	intents map[string]*intent
	// intentsCreated counts PaymentIntents really created (replays excluded).
	intentsCreated int
}

// request is one request as the fake saw it.
type request struct {
	path, key string
	form      url.Values
}

// replayed is a stored idempotent answer.
type replayed struct {
	fingerprint string
	status      int
	body        []byte
}

// intent is a PaymentIntent's state.
type intent struct {
	id, currency, status, customer, pm string
	amount, received, refunded         int64
}

// newFake starts a fake Stripe for the test.
func newFake(t *testing.T) *fakeStripe {
	t.Helper()
	f := &fakeStripe{t: t, replays: map[string]replayed{}, pms: map[string]string{}, intents: map[string]*intent{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// failNext makes the next request answer status with body (JSON unless it starts
// with '<').
func (f *fakeStripe) failNext(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject = append(f.inject, func(w http.ResponseWriter) {
		if strings.HasPrefix(body, "<") {
			w.Header().Set("Content-Type", "text/html")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
}

// dropNextConnection makes the next request fail in transport.
func (f *fakeStripe) dropNextConnection() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject = append(f.inject, func(w http.ResponseWriter) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
}

// recorded returns a copy of the requests so far.
func (f *fakeStripe) recorded() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

// created returns how many PaymentIntents were really created.
func (f *fakeStripe) created() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.intentsCreated
}

// refunded returns how much of intent id was refunded, in minor units.
func (f *fakeStripe) refunded(id string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.intents[id].refunded
}

func (f *fakeStripe) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("%s %s: bad form: %v", r.Method, r.URL.Path, err)
	}
	key := r.Header.Get("Idempotency-Key")
	f.requests = append(f.requests, request{path: r.URL.Path, key: key, form: r.PostForm})
	switch {
	case r.Method != http.MethodPost:
		f.t.Errorf("%s %s: want POST", r.Method, r.URL.Path)
	case r.Header.Get("Authorization") != "Bearer "+testKey:
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "", "", "Invalid API Key provided")
		return
	case key == "":
		f.t.Errorf("POST %s without Idempotency-Key", r.URL.Path)
	case r.Header.Get("Stripe-Version") == "":
		f.t.Errorf("POST %s without Stripe-Version", r.URL.Path)
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		f.t.Errorf("POST %s with Content-Type %q", r.URL.Path, r.Header.Get("Content-Type"))
	}
	if len(f.inject) > 0 {
		fail := f.inject[0]
		f.inject = f.inject[1:]
		fail(w)
		return
	}
	// Stripe's idempotency: same key and parameters replay, other parameters fail.
	sum := sha256.Sum256([]byte(r.URL.Path + "?" + r.PostForm.Encode()))
	fingerprint := hex.EncodeToString(sum[:])
	if rp, ok := f.replays[key]; ok {
		if rp.fingerprint != fingerprint {
			writeError(w, http.StatusBadRequest, "idempotency_error", "", "", "Keys for idempotent requests can only be used with the same parameters they were first used with.")
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rp.status)
		_, _ = w.Write(rp.body)
		return
	}
	rec := httptest.NewRecorder()
	f.route(rec, r)
	f.replays[key] = replayed{fingerprint: fingerprint, status: rec.Code, body: rec.Body.Bytes()}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// route dispatches a request that is not a replay; the caller holds f.mu.
func (f *fakeStripe) route(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/v1/payment_methods":
		f.createPaymentMethod(w, r.PostForm)
	case r.URL.Path == "/v1/customers":
		f.seq++
		writeJSON(w, map[string]any{"id": fmt.Sprint("cus_fake", f.seq), "object": "customer", "email": r.PostForm.Get("email")})
	case r.URL.Path == "/v1/setup_intents":
		f.createSetupIntent(w, r.PostForm)
	case r.URL.Path == "/v1/payment_intents":
		f.createIntent(w, r.PostForm)
	case len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "capture":
		f.capture(w, parts[2], r.PostForm)
	case len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "cancel":
		f.cancel(w, parts[2])
	case r.URL.Path == "/v1/refunds":
		f.refund(w, r.PostForm)
	default:
		writeError(w, http.StatusNotFound, "invalid_request_error", "", "", "Unrecognized request URL")
	}
}

// declines maps test tokens to Stripe's card error: code and decline_code.
var declines = map[string][2]string{
	"tok_chargeDeclined":                  {"card_declined", "generic_decline"},
	"tok_chargeDeclinedInsufficientFunds": {"card_declined", "insufficient_funds"},
	"tok_chargeDeclinedExpiredCard":       {"expired_card", ""},
	"tok_chargeDeclinedIncorrectCvc":      {"incorrect_cvc", ""},
	"tok_cardNotSupported":                {"card_declined", "card_not_supported"},
}

func (f *fakeStripe) createPaymentMethod(w http.ResponseWriter, form url.Values) {
	tok := form.Get("card[token]")
	if form.Get("type") != "card" || !strings.HasPrefix(tok, "tok_") {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "resource_missing", "", "No such token: '"+tok+"'", "card[token]")
		return
	}
	f.seq++
	id := fmt.Sprint("pm_fake", f.seq)
	f.pms[id] = tok
	writeJSON(w, map[string]any{"id": id, "object": "payment_method", "type": "card", "card": map[string]any{"brand": "visa", "last4": "4242"}})
}

func (f *fakeStripe) createSetupIntent(w http.ResponseWriter, form url.Values) {
	want := map[string]string{"confirm": "true", "usage": "off_session", "payment_method_types[0]": "card"}
	if !f.hasFields(w, form, want, "customer", "payment_method") {
		return
	}
	tok := f.pms[form.Get("payment_method")]
	if d, ok := declines[tok]; ok {
		writeError(w, http.StatusPaymentRequired, "card_error", d[0], d[1], "Your card was declined.")
		return
	}
	f.seq++
	writeJSON(w, map[string]any{"id": fmt.Sprint("seti_fake", f.seq), "object": "setup_intent", "status": "succeeded",
		"customer": form.Get("customer"), "payment_method": form.Get("payment_method"), "usage": "off_session"})
}

func (f *fakeStripe) createIntent(w http.ResponseWriter, form url.Values) {
	want := map[string]string{"confirm": "true", "payment_method_types[0]": "card"}
	required := []string{"amount", "currency", "payment_method"}
	if form.Get("customer") != "" {
		want["off_session"] = "true"
	} else if m := form.Get("capture_method"); m != "automatic" && m != "manual" {
		f.t.Errorf("PaymentIntent with capture_method %q", m)
	}
	if !f.hasFields(w, form, want, required...) {
		return
	}
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	if err != nil || amount <= 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_invalid_integer", "", "Invalid integer", "amount")
		return
	}
	tok := f.pms[form.Get("payment_method")]
	if d, ok := declines[tok]; ok {
		writeError(w, http.StatusPaymentRequired, "card_error", d[0], d[1], "Your card was declined.")
		return
	}
	if tok == "tok_threeDSecureRequired" {
		f.seq++
		writeJSON(w, map[string]any{"id": fmt.Sprint("pi_fake", f.seq), "object": "payment_intent", "status": "requires_action", "amount": amount, "currency": form.Get("currency")})
		return
	}
	f.seq++
	f.intentsCreated++
	in := &intent{id: fmt.Sprint("pi_fake", f.seq), currency: form.Get("currency"), amount: amount,
		customer: form.Get("customer"), pm: form.Get("payment_method"), status: "succeeded", received: amount}
	if form.Get("capture_method") == "manual" {
		in.status, in.received = "requires_capture", 0
	}
	f.intents[in.id] = in
	writeJSON(w, in.json())
}

func (f *fakeStripe) capture(w http.ResponseWriter, id string, form url.Values) {
	in, ok := f.intents[id]
	if !ok {
		writeError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "", "No such payment_intent: '"+id+"'", "intent")
		return
	}
	amount, err := strconv.ParseInt(form.Get("amount_to_capture"), 10, 64)
	switch {
	case in.status != "requires_capture":
		writeError(w, http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state", "", "This PaymentIntent could not be captured because it has a status of "+in.status+".")
		return
	case err != nil || amount <= 0 || amount > in.amount:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "amount_too_large", "", "The amount to capture is greater than the amount capturable.", "amount_to_capture")
		return
	}
	in.status, in.received = "succeeded", amount
	writeJSON(w, in.json())
}

func (f *fakeStripe) cancel(w http.ResponseWriter, id string) {
	in, ok := f.intents[id]
	if !ok || in.status != "requires_capture" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state", "", "You cannot cancel this PaymentIntent.")
		return
	}
	in.status = "canceled"
	writeJSON(w, in.json())
}

func (f *fakeStripe) refund(w http.ResponseWriter, form url.Values) {
	if !f.hasFields(w, form, nil, "payment_intent", "amount") {
		return
	}
	in, ok := f.intents[form.Get("payment_intent")]
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "", "No such payment_intent", "payment_intent")
		return
	case err != nil || amount <= 0:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_invalid_integer", "", "Invalid integer", "amount")
		return
	case amount > in.received-in.refunded:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "", fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, in.received-in.refunded), "amount")
		return
	}
	in.refunded += amount
	f.seq++
	writeJSON(w, map[string]any{"id": fmt.Sprint("re_fake", f.seq), "object": "refund", "amount": amount,
		"currency": in.currency, "payment_intent": in.id, "status": "succeeded"})
}

// hasFields checks fixed form values and required fields, answering 400 and failing
// the test when one is wrong.
func (f *fakeStripe) hasFields(w http.ResponseWriter, form url.Values, want map[string]string, required ...string) bool {
	for k, v := range want {
		if form.Get(k) != v {
			f.t.Errorf("form field %s = %q; want %q (form %v)", k, form.Get(k), v, form)
			writeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_missing", "", "Missing "+k, k)
			return false
		}
	}
	for _, k := range required {
		if form.Get(k) == "" {
			f.t.Errorf("form field %s missing (form %v)", k, form)
			writeError(w, http.StatusBadRequest, "invalid_request_error", "parameter_missing", "", "Missing "+k, k)
			return false
		}
	}
	return true
}

// json renders the intent as Stripe does.
func (in *intent) json() map[string]any {
	return map[string]any{"id": in.id, "object": "payment_intent", "status": in.status, "amount": in.amount,
		"amount_capturable": map[bool]int64{true: in.amount}[in.status == "requires_capture"],
		"amount_received":   in.received, "currency": in.currency, "customer": nilIfEmpty(in.customer), "payment_method": in.pm}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers a Stripe error; param is optional.
func writeError(w http.ResponseWriter, status int, typ, code, declineCode, msg string, param ...string) {
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	if declineCode != "" {
		e["decline_code"] = declineCode
	}
	if len(param) > 0 {
		e["param"] = param[0]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_fake")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}
