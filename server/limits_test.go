package server_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/server"
)

// rawConn dials the bundle's HTTP listener and writes head (request line and headers).
func (b *bundle) rawConn(t *testing.T, head string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(b.baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	return c
}

// closedWithin reads c until the server closes it and reports how long that took,
// failing when it takes longer than limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after %v", limit)
	}
	return time.Since(start) // EOF or reset: closed by the server
}

// TestSlowBodyIsCut reproduces the fault run: connections sending a body at a byte per
// interval were held for as long as they trickled, a webhook's (no credentials
// needed, chunked) as well as a booking call's. With a read timeout each is closed
// when it passes, well before its body is complete.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	b := setupLimits(t, server.Limits{ReadTimeout: timeout})
	heads := []string{
		"POST /v1/webhooks/stripe/m1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n",
		"POST /v3/CreateBooking HTTP/1.1\r\nHost: x\r\nAuthorization: " + basic(testUser, testPassword) + "\r\nContent-Length: 1000\r\n\r\n",
	}
	const conns = 30
	var wg sync.WaitGroup
	for i := range conns {
		c := b.rawConn(t, heads[i%len(heads)])
		wg.Go(func() {
			stop := make(chan struct{})
			defer close(stop)
			go func() { // trickle until the server hangs up
				for {
					select {
					case <-stop:
						return
					case <-time.After(100 * time.Millisecond):
						if _, err := c.Write([]byte("x")); err != nil {
							return
						}
					}
				}
			}()
			if d := closedWithin(t, c, 10*timeout); d < timeout/2 {
				t.Errorf("closed after %v, before the timeout: not by it", d)
			}
		})
	}
	wg.Wait()
}

// TestIdleKeepAliveClosed: a keep-alive connection that sends nothing after its first
// request is closed after the idle timeout (the fault run held 2,000 forever).
func TestIdleKeepAliveClosed(t *testing.T) {
	t.Parallel()
	b := setupLimits(t, server.Limits{IdleTimeout: 300 * time.Millisecond})
	c := b.rawConn(t, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 || resp.Close {
		t.Fatalf("healthz: %v %v, want a 200 kept alive", resp, err)
	}
	resp.Body.Close()
	if d := closedWithin(t, c, 5*time.Second); d < 200*time.Millisecond {
		t.Errorf("closed after %v, before the idle timeout", d)
	}
}

// TestBodyAndHeaderCaps: an oversized body is refused with 413 and a message before it
// is read (declared length) or once the cap is passed (chunked), on Google's and the
// merchant's routes alike; feed uploads keep their own larger cap; oversized headers
// get 431.
func TestBodyAndHeaderCaps(t *testing.T) {
	t.Parallel()
	b := setupLimits(t, server.Limits{MaxBodyBytes: 64 << 10})
	google, admin := basic(testUser, testPassword), "Bearer "+testAdmin

	// 100 MB declared, nothing sent: answered at once.
	c := b.rawConn(t, "POST /v3/CreateBooking HTTP/1.1\r\nHost: x\r\nAuthorization: "+google+
		"\r\nContent-Length: 100000000\r\n\r\n{")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "request body larger than 65536 bytes") {
		t.Errorf("declared 100 MB: %d %s", resp.StatusCode, body)
	}

	big := `{"merchant_id":"m1","slot_time":[],"pad":"` + strings.Repeat("x", 100<<10) + `"}`
	for _, tt := range []struct{ name, method, path, auth string }{
		{"lookup", "POST", "/v3/BatchAvailabilityLookup", google},
		{"merchant booking", "POST", "/v1/bookings", admin},
	} {
		req, _ := http.NewRequest(tt.method, b.baseURL+tt.path, io.MultiReader(strings.NewReader(big))) // no length: chunked
		req.Header.Set("Authorization", tt.auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than") {
			t.Errorf("%s chunked: %d %s", tt.name, resp.StatusCode, body)
		}
	}
	// Within the cap, the call goes through.
	if code, _, body := b.do(t, "POST", "/v3/BatchAvailabilityLookup", google, `{"merchant_id":"m1","slot_time":[]}`); code != 200 {
		t.Errorf("small lookup: %d %s", code, body)
	}
	// A feed larger than the API cap reaches the feed validator (400, not 413).
	feed := `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1"},"pad":"` + strings.Repeat("x", 100<<10) + `",`
	if code, _, body := b.do(t, "POST", "/v1/feeds/availability", admin, feed); code != 400 {
		t.Errorf("feed over the API cap: %d %s, want the validator's 400", code, body)
	}
	req, _ := http.NewRequest("GET", b.baseURL+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("x", 1<<20))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1 MB header: %v %v, want 431", resp, err)
	}
}
