// Package stripetest is an httptest fake of Stripe's REST API for tests: the endpoints
// the payment/stripe adapter uses, with Stripe's authentication, idempotency rules,
// errors and object shapes, plus the events Stripe would send to a webhook endpoint
// (unsigned: signing them is the test's business, so that the test checks our
// verification against its own reading of Stripe's scheme).
package stripetest

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
	"time"
)

// Key is the secret key the fake accepts.
const Key = "sk_test_fake123"

// Fake is an httptest server speaking Stripe's protocol for the endpoints the adapter
// uses: form-encoded POSTs with a Bearer key, Idempotency-Key and Stripe-Version
// headers, JSON objects and errors shaped like Stripe's. It keeps state (payment
// methods, intents with their charge and refunds) and Stripe's idempotency rules, and
// can be told to fail the next requests. It is safe for concurrent use.
type Fake struct {
	t   testing.TB
	srv *httptest.Server

	mu sync.Mutex
	// requests records every request that reached the fake, failed ones included.
	requests []Request
	// inject holds canned failures for the next requests, first first.
	inject []func(http.ResponseWriter)
	// dropAnswers is how many of the next POSTs are done but never answered.
	dropAnswers int
	// replays maps idempotency keys to {fingerprint, status, body}.
	replays map[string]replayed
	seq     int
	pms     map[string]string // payment method id → token
	intents map[string]*intent
	// intentsCreated counts PaymentIntents really created (replays excluded).
	intentsCreated int
	// onIntent runs after a PaymentIntent is created, before it is answered.
	onIntent func(id string)
}

// Request is one request as the fake saw it.
type Request struct {
	// Path is the URL path, Key the Idempotency-Key header.
	Path, Key string
	// Form is the decoded form body.
	Form url.Values
}

// replayed is a stored idempotent answer.
type replayed struct {
	fingerprint string
	status      int
	body        []byte
}

// intent is a PaymentIntent's state, with its (single) charge and the charge's refunds.
type intent struct {
	id, charge, currency, status, customer, pm string
	amount, received, refunded                 int64
	metadata                                   map[string]string
	refunds                                    []refund
}

// refund is one Refund of an intent's charge; status is Stripe's (pending,
// succeeded, failed, canceled); created is Unix seconds; metadata is what it was
// created with.
type refund struct {
	id, status      string
	amount, created int64
	metadata        map[string]string
}

// New starts a fake Stripe for the test; it stops when the test ends.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{t: t, replays: map[string]replayed{}, pms: map[string]string{}, intents: map[string]*intent{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the fake's base URL, for stripe.Config.BaseURL.
func (f *Fake) URL() string { return f.srv.URL }

// Client is an HTTP client for the fake.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// FailNext makes the next request answer status with body (JSON unless it starts
// with '<').
func (f *Fake) FailNext(status int, body string) {
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

// DropNextConnection makes the next request fail in transport.
func (f *Fake) DropNextConnection() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject = append(f.inject, func(w http.ResponseWriter) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
}

// DropNextAnswer makes the next POST do its work (and keep its idempotent answer)
// but cut the connection halfway through the answer: the caller cannot know the
// outcome.
func (f *Fake) DropNextAnswer() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropAnswers++
}

// OnIntentCreated sets fn to run (outside the fake's lock) each time a PaymentIntent is
// created, before Stripe's answer is sent: what Stripe does meanwhile, such as
// delivering webhooks that overtake the answer, goes there.
func (f *Fake) OnIntentCreated(fn func(id string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onIntent = fn
}

// Requests returns a copy of the requests so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// Created returns how many PaymentIntents were really created.
func (f *Fake) Created() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.intentsCreated
}

// Refunded returns how much of intent id was refunded, in minor units: its succeeded
// and pending refunds, which Stripe holds against the charge.
func (f *Fake) Refunded(id string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in, ok := f.intents[id]; ok {
		return in.refunded
	}
	return 0
}

// RefundIDs returns the ids of intent id's refunds (re_…), oldest first.
func (f *Fake) RefundIDs(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	if in, ok := f.intents[id]; ok {
		for _, r := range in.refunds {
			out = append(out, r.id)
		}
	}
	return out
}

// BackOfficeRefund refunds amount (minor units) of intent id as the merchant would in
// Stripe's Dashboard, without our server knowing, and returns the Refund's id. Stripe's
// cap applies: it fails beyond what is left of the charge.
func (f *Fake) BackOfficeRefund(id string, amount int64) (string, error) {
	return f.backOfficeRefund(id, amount, "succeeded")
}

// BackOfficePendingRefund is BackOfficeRefund for a refund that Stripe accepts as
// pending (status "pending", as for payment methods that confirm refunds later); it
// already counts against the charge. SetRefundStatus settles it.
func (f *Fake) BackOfficePendingRefund(id string, amount int64) (string, error) {
	return f.backOfficeRefund(id, amount, "pending")
}

// backOfficeRefund adds a refund in status to intent id, within Stripe's cap.
func (f *Fake) backOfficeRefund(id string, amount int64, status string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.intents[id]
	switch {
	case !ok:
		return "", fmt.Errorf("no such payment_intent %q", id)
	case amount <= 0 || amount > in.received-in.refunded:
		return "", fmt.Errorf("refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, in.received-in.refunded)
	}
	return f.addRefund(in, amount, status), nil
}

// SetRefundStatus moves pending refund reID to status: succeeded, or failed or
// canceled, which give its amount back to the charge as Stripe does.
func (f *Fake) SetRefundStatus(reID, status string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, r := f.findRefund(reID)
	switch {
	case r == nil:
		return fmt.Errorf("no such refund %q", reID)
	case r.status != "pending":
		return fmt.Errorf("refund %s has status %s, not pending", reID, r.status)
	case status != "succeeded" && status != "failed" && status != "canceled":
		return fmt.Errorf("refund status %q", status)
	}
	r.status = status
	if status != "succeeded" {
		in.refunded -= r.amount
	}
	return nil
}

// findRefund returns refund reID and its intent, or nils; the caller holds f.mu.
func (f *Fake) findRefund(reID string) (*intent, *refund) {
	for _, in := range f.intents {
		for i := range in.refunds {
			if in.refunds[i].id == reID {
				return in, &in.refunds[i]
			}
		}
	}
	return nil, nil
}

// Event returns the body of the event of type typ that Stripe would send now, with
// event id eventID:
//   - payment_intent.succeeded about intent id: data.object is the PaymentIntent;
//   - charge.refunded about intent id: data.object is its Charge with every refund so
//     far listed (newest first) in refunds.data, as Stripe sends it for API versions
//     before 2022-11-15 (later versions leave Charge.refunds unexpanded in events);
//   - refund.created, refund.updated, refund.failed or charge.refund.updated about
//     refund id (re_…): data.object is the Refund as it is now (its status, its
//     payment_intent and charge ids, its metadata), as every API version sends it.
func (f *Fake) Event(eventID, typ, id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var obj map[string]any
	switch typ {
	case "payment_intent.succeeded", "charge.refunded":
		in, ok := f.intents[id]
		if !ok {
			f.t.Errorf("stripetest: event %s about unknown payment_intent %q", eventID, id)
			return nil
		}
		obj = in.json()
		if typ == "charge.refunded" {
			obj = in.chargeJSON()
		}
	case "refund.created", "refund.updated", "refund.failed", "charge.refund.updated":
		in, r := f.findRefund(id)
		if r == nil {
			f.t.Errorf("stripetest: event %s about unknown refund %q", eventID, id)
			return nil
		}
		obj = in.refundJSON(*r)
	default:
		f.t.Errorf("stripetest: event type %q not supported", typ)
		return nil
	}
	body, err := json.Marshal(map[string]any{"id": eventID, "object": "event", "created": 1893405600,
		"livemode": false, "pending_webhooks": 1, "type": typ, "request": map[string]any{"id": nil, "idempotency_key": nil},
		"data": map[string]any{"object": obj}})
	if err != nil {
		f.t.Errorf("stripetest: %v", err)
	}
	return body
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	status, body, replay, hook, drop := f.handle(w, r)
	if hook != nil {
		hook()
	}
	switch {
	case status == 0:
		return // answered already (a canned failure)
	case drop:
		// The answer's head and half its body, then the connection is cut: the
		// client has an answer it cannot read (and, having had a head, does not
		// resend the request).
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			_, _ = fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				status, http.StatusText(status), len(body), body[:len(body)/2])
			_ = conn.Close()
		}
		return
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_fake")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// handle does the work of serve under the lock. It answers canned failures itself
// (status 0); otherwise it returns the answer, whether it is a replay, the hook to
// run before it is sent, and whether to drop it instead (DropNextAnswer).
func (f *Fake) handle(w http.ResponseWriter, r *http.Request) (status int, body []byte, replay bool, hook func(), drop bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("%s %s: bad form: %v", r.Method, r.URL.Path, err)
	}
	key := r.Header.Get("Idempotency-Key")
	if r.Method == http.MethodGet && r.URL.Path == "/v1/refunds" {
		// Listing is read-only: no idempotency key, and never dropped.
		f.requests = append(f.requests, Request{Path: r.URL.Path, Form: r.Form})
		if r.Header.Get("Authorization") != "Bearer "+Key {
			s, b, rp, h := errorBody(http.StatusUnauthorized, "invalid_request_error", "", "", "Invalid API Key provided")
			return s, b, rp, h, false
		}
		s, b := f.listRefunds(r.Form)
		return s, b, false, nil, false
	}
	f.requests = append(f.requests, Request{Path: r.URL.Path, Key: key, Form: r.PostForm})
	switch {
	case r.Method != http.MethodPost:
		f.t.Errorf("%s %s: want POST", r.Method, r.URL.Path)
	case r.Header.Get("Authorization") != "Bearer "+Key:
		s, b, rp, h := errorBody(http.StatusUnauthorized, "invalid_request_error", "", "", "Invalid API Key provided")
		return s, b, rp, h, false
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
		return 0, nil, false, nil, false
	}
	// Stripe's idempotency: same key and parameters replay, other parameters fail.
	sum := sha256.Sum256([]byte(r.URL.Path + "?" + r.PostForm.Encode()))
	fingerprint := hex.EncodeToString(sum[:])
	if rp, ok := f.replays[key]; ok {
		if rp.fingerprint != fingerprint {
			s, b, rp, h := errorBody(http.StatusBadRequest, "idempotency_error", "", "", "Keys for idempotent requests can only be used with the same parameters they were first used with.")
			return s, b, rp, h, false
		}
		return rp.status, rp.body, true, nil, false
	}
	created := f.intentsCreated
	status, body = f.route(r)
	f.replays[key] = replayed{fingerprint: fingerprint, status: status, body: body}
	if f.intentsCreated > created && f.onIntent != nil {
		fn, id := f.onIntent, fmt.Sprint("pi_fake", f.seq)
		hook = func() { fn(id) }
	}
	if f.dropAnswers > 0 {
		f.dropAnswers--
		drop = true
	}
	return status, body, false, hook, drop
}

// route dispatches a request that is not a replay; the caller holds f.mu.
func (f *Fake) route(r *http.Request) (int, []byte) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/v1/payment_methods":
		return f.createPaymentMethod(r.PostForm)
	case r.URL.Path == "/v1/customers":
		f.seq++
		return jsonBody(map[string]any{"id": fmt.Sprint("cus_fake", f.seq), "object": "customer", "email": r.PostForm.Get("email")})
	case r.URL.Path == "/v1/setup_intents":
		return f.createSetupIntent(r.PostForm)
	case r.URL.Path == "/v1/payment_intents":
		return f.createIntent(r.PostForm)
	case len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "capture":
		return f.capture(parts[2], r.PostForm)
	case len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "cancel":
		return f.cancel(parts[2])
	case r.URL.Path == "/v1/refunds":
		return f.refund(r.PostForm)
	}
	return errorAnswer(http.StatusNotFound, "invalid_request_error", "", "", "Unrecognized request URL")
}

// declines maps test tokens to Stripe's card error: code and decline_code.
var declines = map[string][2]string{
	"tok_chargeDeclined":                  {"card_declined", "generic_decline"},
	"tok_chargeDeclinedInsufficientFunds": {"card_declined", "insufficient_funds"},
	"tok_chargeDeclinedExpiredCard":       {"expired_card", ""},
	"tok_chargeDeclinedIncorrectCvc":      {"incorrect_cvc", ""},
	"tok_cardNotSupported":                {"card_declined", "card_not_supported"},
}

func (f *Fake) createPaymentMethod(form url.Values) (int, []byte) {
	tok := form.Get("card[token]")
	if form.Get("type") != "card" || !strings.HasPrefix(tok, "tok_") {
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "resource_missing", "", "No such token: '"+tok+"'", "card[token]")
	}
	f.seq++
	id := fmt.Sprint("pm_fake", f.seq)
	f.pms[id] = tok
	return jsonBody(map[string]any{"id": id, "object": "payment_method", "type": "card", "card": map[string]any{"brand": "visa", "last4": "4242"}})
}

func (f *Fake) createSetupIntent(form url.Values) (int, []byte) {
	want := map[string]string{"confirm": "true", "usage": "off_session", "payment_method_types[0]": "card"}
	if status, body := f.checkFields(form, want, "customer", "payment_method"); status != 0 {
		return status, body
	}
	tok := f.pms[form.Get("payment_method")]
	if d, ok := declines[tok]; ok {
		return errorAnswer(http.StatusPaymentRequired, "card_error", d[0], d[1], "Your card was declined.")
	}
	f.seq++
	return jsonBody(map[string]any{"id": fmt.Sprint("seti_fake", f.seq), "object": "setup_intent", "status": "succeeded",
		"customer": form.Get("customer"), "payment_method": form.Get("payment_method"), "usage": "off_session"})
}

func (f *Fake) createIntent(form url.Values) (int, []byte) {
	want := map[string]string{"confirm": "true", "payment_method_types[0]": "card"}
	required := []string{"amount", "currency", "payment_method"}
	if form.Get("customer") != "" {
		want["off_session"] = "true"
	} else if m := form.Get("capture_method"); m != "automatic" && m != "manual" {
		f.t.Errorf("PaymentIntent with capture_method %q", m)
	}
	if status, body := f.checkFields(form, want, required...); status != 0 {
		return status, body
	}
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	if err != nil || amount <= 0 {
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "parameter_invalid_integer", "", "Invalid integer", "amount")
	}
	tok := f.pms[form.Get("payment_method")]
	if d, ok := declines[tok]; ok {
		return errorAnswer(http.StatusPaymentRequired, "card_error", d[0], d[1], "Your card was declined.")
	}
	f.seq++
	if tok == "tok_threeDSecureRequired" {
		return jsonBody(map[string]any{"id": fmt.Sprint("pi_fake", f.seq), "object": "payment_intent", "status": "requires_action", "amount": amount, "currency": form.Get("currency")})
	}
	f.intentsCreated++
	in := &intent{id: fmt.Sprint("pi_fake", f.seq), charge: fmt.Sprint("ch_fake", f.seq), currency: form.Get("currency"), amount: amount,
		customer: form.Get("customer"), pm: form.Get("payment_method"), status: "succeeded", received: amount, metadata: map[string]string{}}
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(name, "]") && len(v) > 0 {
			in.metadata[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	if form.Get("capture_method") == "manual" {
		in.status, in.received = "requires_capture", 0
	}
	f.intents[in.id] = in
	return jsonBody(in.json())
}

func (f *Fake) capture(id string, form url.Values) (int, []byte) {
	in, ok := f.intents[id]
	if !ok {
		return errorAnswer(http.StatusNotFound, "invalid_request_error", "resource_missing", "", "No such payment_intent: '"+id+"'", "intent")
	}
	amount, err := strconv.ParseInt(form.Get("amount_to_capture"), 10, 64)
	switch {
	case in.status != "requires_capture":
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state", "", "This PaymentIntent could not be captured because it has a status of "+in.status+".")
	case err != nil || amount <= 0 || amount > in.amount:
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "amount_too_large", "", "The amount to capture is greater than the amount capturable.", "amount_to_capture")
	}
	in.status, in.received = "succeeded", amount
	return jsonBody(in.json())
}

func (f *Fake) cancel(id string) (int, []byte) {
	in, ok := f.intents[id]
	if !ok || in.status != "requires_capture" {
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state", "", "You cannot cancel this PaymentIntent.")
	}
	in.status = "canceled"
	return jsonBody(in.json())
}

func (f *Fake) refund(form url.Values) (int, []byte) {
	if status, body := f.checkFields(form, nil, "payment_intent", "amount"); status != 0 {
		return status, body
	}
	in, ok := f.intents[form.Get("payment_intent")]
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	switch {
	case !ok:
		return errorAnswer(http.StatusNotFound, "invalid_request_error", "resource_missing", "", "No such payment_intent", "payment_intent")
	case err != nil || amount <= 0:
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "parameter_invalid_integer", "", "Invalid integer", "amount")
	case amount > in.received-in.refunded:
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "", "", fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, in.received-in.refunded), "amount")
	}
	id := f.addRefund(in, amount, "succeeded")
	_, r := f.findRefund(id)
	for k, v := range form {
		if name, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(name, "]") && len(v) > 0 {
			r.metadata[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	return jsonBody(in.refundJSON(*r))
}

// listRefunds answers GET /v1/refunds filtered by payment_intent or charge, newest
// first, as one page (has_more false); the caller holds f.mu.
func (f *Fake) listRefunds(q url.Values) (int, []byte) {
	var in *intent
	for _, c := range f.intents {
		if c.id == q.Get("payment_intent") || (q.Get("charge") != "" && c.charge == q.Get("charge")) {
			in = c
		}
	}
	data := []any{}
	if in != nil {
		for i := len(in.refunds) - 1; i >= 0; i-- {
			data = append(data, in.refundJSON(in.refunds[i]))
		}
	} else if q.Get("payment_intent") == "" && q.Get("charge") == "" {
		f.t.Errorf("stripetest: GET /v1/refunds without payment_intent or charge (%v)", q)
	}
	return jsonBody(map[string]any{"object": "list", "data": data, "has_more": false, "url": "/v1/refunds"})
}

// addRefund records a refund of in with status (succeeded or pending); the caller
// holds f.mu and checked the cap.
func (f *Fake) addRefund(in *intent, amount int64, status string) string {
	in.refunded += amount
	f.seq++
	id := fmt.Sprint("re_fake", f.seq)
	in.refunds = append(in.refunds, refund{id: id, status: status, amount: amount, created: time.Now().Unix(), metadata: map[string]string{}})
	return id
}

// checkFields checks fixed form values and required fields; on a wrong one it fails
// the test and returns Stripe's 400, else status 0.
func (f *Fake) checkFields(form url.Values, want map[string]string, required ...string) (int, []byte) {
	for k, v := range want {
		if form.Get(k) != v {
			f.t.Errorf("form field %s = %q; want %q (form %v)", k, form.Get(k), v, form)
			return errorAnswer(http.StatusBadRequest, "invalid_request_error", "parameter_missing", "", "Missing "+k, k)
		}
	}
	for _, k := range required {
		if form.Get(k) == "" {
			f.t.Errorf("form field %s missing (form %v)", k, form)
			return errorAnswer(http.StatusBadRequest, "invalid_request_error", "parameter_missing", "", "Missing "+k, k)
		}
	}
	return 0, nil
}

// json renders the intent as Stripe does.
func (in *intent) json() map[string]any {
	return map[string]any{"id": in.id, "object": "payment_intent", "status": in.status, "amount": in.amount,
		"amount_capturable": map[bool]int64{true: in.amount}[in.status == "requires_capture"],
		"amount_received":   in.received, "currency": in.currency, "customer": nilIfEmpty(in.customer), "payment_method": in.pm,
		"latest_charge": in.charge, "metadata": in.metadata}
}

// chargeJSON renders the intent's charge as Stripe does in a charge.refunded event,
// with its refunds listed newest first.
func (in *intent) chargeJSON() map[string]any {
	data := []any{}
	for i := len(in.refunds) - 1; i >= 0; i-- {
		data = append(data, in.refundJSON(in.refunds[i]))
	}
	return map[string]any{"id": in.charge, "object": "charge", "amount": in.amount, "amount_captured": in.received,
		"amount_refunded": in.refunded, "currency": in.currency, "payment_intent": in.id, "captured": in.received > 0,
		"refunded": in.refunded == in.received, "status": "succeeded", "metadata": in.metadata,
		"refunds": map[string]any{"object": "list", "data": data, "has_more": false, "total_count": len(data), "url": "/v1/charges/" + in.charge + "/refunds"}}
}

// refundJSON renders one of the intent's refunds as Stripe does.
func (in *intent) refundJSON(r refund) map[string]any {
	return map[string]any{"id": r.id, "object": "refund", "amount": r.amount, "charge": in.charge,
		"currency": in.currency, "payment_intent": in.id, "status": r.status, "created": r.created, "metadata": r.metadata}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonBody answers 200 with v as JSON.
func jsonBody(v any) (int, []byte) {
	b, _ := json.Marshal(v)
	return http.StatusOK, b
}

// errorAnswer is a Stripe error answer; param is optional.
func errorAnswer(status int, typ, code, declineCode, msg string, param ...string) (int, []byte) {
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
	b, _ := json.Marshal(map[string]any{"error": e})
	return status, b
}

// errorBody is errorAnswer in handle's result shape.
func errorBody(status int, typ, code, declineCode, msg string) (int, []byte, bool, func()) {
	s, b := errorAnswer(status, typ, code, declineCode, msg)
	return s, b, false, nil
}
