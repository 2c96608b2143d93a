package main

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLimitFlags: serve's limit flags reach the listeners — a body over
// --max-body-bytes is refused with 413 and the cap in the message, and a keep-alive
// connection idle past --idle-timeout is closed.
func TestLimitFlags(t *testing.T) {
	httpAddr := serveInProcess(t, []string{"serve", "--data", filepath.Join(t.TempDir(), "b.db"), "--insecure-no-auth",
		"--max-body-bytes", "1000", "--idle-timeout", "500ms"}).httpAddr

	resp, err := http.Post("http://"+httpAddr+"/v3/HealthCheck", "application/json", strings.NewReader(strings.Repeat(" ", 2000)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than 1000 bytes") {
		t.Errorf("2000-byte body: %d %s, want 413 naming the 1000-byte cap", resp.StatusCode, body)
	}

	c, err := net.Dial("tcp", httpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(5 * time.Second))
	_, _ = io.Copy(io.Discard, c) // the answer, then EOF when the idle connection is closed
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("idle keep-alive closed after %v, want about 500ms", d)
	}
}
