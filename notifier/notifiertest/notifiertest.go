// Package notifiertest has local stand-ins for what the notifier talks to, for tests:
// a Maps Booking API that records PATCHes and an OAuth2 token endpoint for
// service-account JWT grants, with a key file that points at it.
package notifiertest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Request is what the fake Maps Booking API received.
type Request struct {
	Method, Path, UpdateMask, Auth string
	// Query is the raw query string of an inventory call.
	Query string
	Body  map[string]any
}

// InventoryCall is an inventory request and the status the fake answered.
type InventoryCall struct {
	Request
	Status int
}

// FakeAPI is a local Maps Booking API: it records every request and answers with
// status(n) for the n-th (0-based). Booking notifications and inventory calls
// (/v1alpha/inventory/…, the availability, merchant and service RTUs) are recorded
// and answered apart, as two independent streams.
type FakeAPI struct {
	*httptest.Server
	// Got receives every booking notification request.
	Got chan Request
	// Inventory receives every inventory request.
	Inventory chan InventoryCall
	mu        sync.Mutex
	status    func(n int) int
	n         int
	invStatus func(n int) int
	invN      int
	// resources holds the merchants and services that inventory calls created, by
	// resource name (partners/{p}/merchants/{m}[/services/{s}]), as Google keeps them.
	resources map[string]map[string]any
	// feedStatuses are the FeedStatus answers by feed file name
	// (partners/{p}/feeds/{feed}/{file}).
	feedStatuses map[string]string
	// gate, when not nil, holds booking notifications until it is closed (Hold);
	// held counts those waiting.
	gate chan struct{}
	held atomic.Int64
}

// Hold makes the booking notifications that arrive from now on wait, unanswered
// and not on Got, until release is called; held reports how many wait. A held
// notification whose sender went away meanwhile (its process was killed) is
// dropped, as if it had never arrived: its record must be delivered again.
func (f *FakeAPI) Hold() (held func() int, release func()) {
	gate := make(chan struct{})
	f.mu.Lock()
	f.gate = gate
	f.mu.Unlock()
	var once sync.Once
	return func() int { return int(f.held.Load()) }, func() {
		once.Do(func() {
			f.mu.Lock()
			f.gate = nil
			f.mu.Unlock()
			close(gate)
		})
	}
}

// wait holds a booking notification while Hold's gate is shut, and reports whether
// its sender is still there.
func (f *FakeAPI) wait(r *http.Request) bool {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate == nil {
		return true
	}
	f.held.Add(1)
	defer f.held.Add(-1)
	select {
	case <-gate:
		return true
	case <-r.Context().Done():
		return false
	}
}

// SetFeedStatus makes the feed status API answer status (a FeedStatus JSON) for the
// file name (partners/{p}/feeds/{merchants|services|availability}/{file}); files
// without one are answered 404.
func (f *FakeAPI) SetFeedStatus(name, status string) {
	f.mu.Lock()
	f.feedStatuses[name] = status
	f.mu.Unlock()
}

// feedStatus answers GET /v1alpha/inventory/{name}/status. Called with f.mu held.
func (f *FakeAPI) feedStatus(path string) (int, []byte) {
	name := strings.TrimSuffix(strings.TrimPrefix(path, "/v1alpha/inventory/"), "/status")
	if st, ok := f.feedStatuses[name]; ok && strings.HasSuffix(path, "/status") {
		return http.StatusOK, []byte(st)
	}
	return http.StatusNotFound, nil
}

// NewFakeAPI starts a fake Maps Booking API that answers 200 until told otherwise.
func NewFakeAPI(t *testing.T) *FakeAPI {
	f := &FakeAPI{Got: make(chan Request, 1000), Inventory: make(chan InventoryCall, 1000),
		status: func(int) int { return 200 }, invStatus: func(int) int { return 200 },
		resources: map[string]map[string]any{}, feedStatuses: map[string]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		if !strings.HasPrefix(r.URL.Path, "/v1alpha/inventory/") && !f.wait(r) {
			return
		}
		req := Request{Method: r.Method, Path: r.URL.Path, UpdateMask: r.URL.Query().Get("updateMask"), Auth: r.Header.Get("Authorization")}
		if err := json.Unmarshal(raw, &req.Body); len(raw) > 0 && err != nil {
			t.Errorf("body %q: %v", raw, err)
		}
		f.mu.Lock()
		var code int
		if strings.HasPrefix(r.URL.Path, "/v1alpha/inventory/") {
			code = f.invStatus(f.invN)
			f.invN++
			if code/100 == 2 {
				if r.Method == http.MethodGet {
					code, raw = f.feedStatus(r.URL.Path)
				} else {
					code = f.applyInventory(r, req.Body)
				}
			}
			req.Query = r.URL.RawQuery
			f.Inventory <- InventoryCall{Request: req, Status: code}
		} else {
			code = f.status(f.n)
			f.n++
			f.Got <- req
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		if code/100 == 2 {
			w.Write(raw)
			return
		}
		fmt.Fprintf(w, `{"error":{"code":%d,"message":"fake says %d","status":"FAKE"}}`, code, code)
	}))
	t.Cleanup(f.Close)
	return f
}

// applyInventory keeps a merchant or service call's effect, as Google's inventory
// API does, and returns its status: create answers 409 for an id that exists, patch
// (updateMask fields set from the body, or removed when the body lacks them) and
// delete 404 for one that does not. Other inventory calls (availability:replace) are
// accepted. Called with f.mu held.
func (f *FakeAPI) applyInventory(r *http.Request, body map[string]any) int {
	path := strings.TrimPrefix(r.URL.Path, "/v1alpha/inventory/")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/merchants") && q.Get("merchantId") != "":
		path += "/" + q.Get("merchantId")
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/services") && q.Get("serviceId") != "":
		path += "/" + q.Get("serviceId")
	case r.Method == http.MethodPost:
		return http.StatusOK
	}
	cur, exists := f.resources[path]
	switch r.Method {
	case http.MethodPost:
		if exists {
			return http.StatusConflict
		}
		f.resources[path] = body
	case http.MethodPatch:
		if !exists {
			return http.StatusNotFound
		}
		for _, field := range strings.Split(q.Get("updateMask"), ",") {
			if v, ok := body[field]; ok {
				cur[field] = v
			} else {
				delete(cur, field)
			}
		}
	case http.MethodDelete:
		if !exists {
			return http.StatusNotFound
		}
		delete(f.resources, path)
	}
	return http.StatusOK
}

// Resource returns a copy of the merchant or service Google would now hold under
// name (partners/{p}/merchants/{m}[/services/{s}]), false when it holds none.
func (f *FakeAPI) Resource(name string) (map[string]any, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.resources[name]
	return maps.Clone(r), ok
}

// PutResource makes Google hold body under name, as if created earlier.
func (f *FakeAPI) PutResource(name string, body map[string]any) {
	f.mu.Lock()
	f.resources[name] = body
	f.mu.Unlock()
}

// DeleteResource makes Google forget name.
func (f *FakeAPI) DeleteResource(name string) {
	f.mu.Lock()
	delete(f.resources, name)
	f.mu.Unlock()
}

// SetStatus replaces the answer function.
func (f *FakeAPI) SetStatus(fn func(n int) int) {
	f.mu.Lock()
	f.status = fn
	f.mu.Unlock()
}

// SetInventoryStatus replaces the answer function of inventory calls.
func (f *FakeAPI) SetInventoryStatus(fn func(n int) int) {
	f.mu.Lock()
	f.invStatus = fn
	f.mu.Unlock()
}

// Next waits for the next request.
func (f *FakeAPI) Next(t *testing.T) Request {
	t.Helper()
	select {
	case r := <-f.Got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no request arrived at the fake Maps Booking API")
		return Request{}
	}
}

// None fails if a request arrives within d.
func (f *FakeAPI) None(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case r := <-f.Got:
		t.Fatalf("unexpected request %+v", r)
	case <-time.After(d):
	}
}

// TokenServer is a local OAuth2 token endpoint for service-account JWT grants.
type TokenServer struct {
	*httptest.Server
	// Status: 0 or 200 issue tokens; otherwise the endpoint answers this status.
	Status atomic.Int32 // 0 or 200: issue tokens; otherwise answer this status
	// Issued counts the tokens issued.
	Issued atomic.Int32
}

// NewTokenServer starts a token endpoint that issues tok-1, tok-2, …
func NewTokenServer(t *testing.T) *TokenServer {
	ts := &TokenServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		if !strings.Contains(claims(t, r.Form.Get("assertion")), "https://www.googleapis.com/auth/mapsbooking") {
			t.Errorf("JWT assertion without the mapsbooking scope: %s", claims(t, r.Form.Get("assertion")))
		}
		w.Header().Set("Content-Type", "application/json")
		if s := ts.Status.Load(); s != 0 && s != 200 {
			w.WriteHeader(int(s))
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"account disabled"}`)
			return
		}
		n := ts.Issued.Add(1)
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// claims decodes a JWT's payload (unverified: the test only reads it).
func claims(t *testing.T, jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Errorf("assertion is not a JWT: %q", jwt)
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Errorf("JWT payload: %v", err)
	}
	return string(raw)
}

// ServiceAccountJSON is a Google service-account key file with a fresh RSA key whose
// token_uri is tokenURI.
func ServiceAccountJSON(t *testing.T, tokenURI string) []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "test-project",
		"private_key_id": "test-key-1",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   "notifier@test-project.iam.gserviceaccount.com",
		"client_id":      "1234567890",
		"token_uri":      tokenURI,
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ServiceAccountFile writes ServiceAccountJSON to a file of the test's temporary
// directory and returns its path, for --google-credentials.
func ServiceAccountFile(t *testing.T, tokenURI string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, ServiceAccountJSON(t, tokenURI), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
