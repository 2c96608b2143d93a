package notifier_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// request is what the fake Maps Booking API received.
type request struct {
	method, path, updateMask, auth string
	body                           map[string]any
}

// fakeAPI is a local Maps Booking API: it records every request and answers with
// status(n) for the n-th (0-based).
type fakeAPI struct {
	*httptest.Server
	got    chan request
	mu     sync.Mutex
	status func(n int) int
	n      int
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{got: make(chan request, 1000), status: func(int) int { return 200 }}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		req := request{method: r.Method, path: r.URL.Path, updateMask: r.URL.Query().Get("updateMask"), auth: r.Header.Get("Authorization")}
		if err := json.Unmarshal(raw, &req.body); err != nil {
			t.Errorf("body %q: %v", raw, err)
		}
		f.mu.Lock()
		code := f.status(f.n)
		f.n++
		f.mu.Unlock()
		f.got <- req
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

// setStatus replaces the answer function.
func (f *fakeAPI) setStatus(fn func(n int) int) {
	f.mu.Lock()
	f.status = fn
	f.mu.Unlock()
}

// next waits for the next request.
func (f *fakeAPI) next(t *testing.T) request {
	t.Helper()
	select {
	case r := <-f.got:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no request arrived at the fake Maps Booking API")
		return request{}
	}
}

// none fails if a request arrives within d.
func (f *fakeAPI) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case r := <-f.got:
		t.Fatalf("unexpected request %+v", r)
	case <-time.After(d):
	}
}

// tokenServer is a local OAuth2 token endpoint for service-account JWT grants.
type tokenServer struct {
	*httptest.Server
	status atomic.Int32 // 0 or 200: issue tokens; otherwise answer this status
	issued atomic.Int32
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || r.Form.Get("assertion") == "" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		if !strings.Contains(claims(t, r.Form.Get("assertion")), "https://www.googleapis.com/auth/mapsbooking") {
			t.Errorf("JWT assertion without the mapsbooking scope: %s", claims(t, r.Form.Get("assertion")))
		}
		w.Header().Set("Content-Type", "application/json")
		if s := ts.status.Load(); s != 0 && s != 200 {
			w.WriteHeader(int(s))
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"account disabled"}`)
			return
		}
		n := ts.issued.Add(1)
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

// serviceAccountJSON is a Google service-account key file with a fresh RSA key whose
// token_uri is tokenURI.
func serviceAccountJSON(t *testing.T, tokenURI string) []byte {
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

// clock is a stubbed clock the test moves forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
