package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPprofLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":6060", "192.0.2.1:6060", "example.com:6060"} {
		if _, err := startPprof(addr); err == nil || !strings.Contains(err.Error(), "non-loopback") {
			t.Errorf("startPprof(%q) = %v, want a non-loopback refusal", addr, err)
		}
	}
	stop, err := startPprof("")
	if err != nil {
		t.Fatal(err)
	}
	stop()
}

// TestPprofServes: pprof on a port of the kernel's choosing, read from its log line.
// Not parallel: it captures the process's logger.
func TestPprofServes(t *testing.T) {
	logs, restore := captureLogs()
	stop, err := startPprof("127.0.0.1:0")
	restore()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	addr := loggedAttr(logs.String(), "pprof on", "addr")
	if addr == "" {
		t.Fatalf("no pprof on line with its address: %s", logs.String())
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("GET /debug/pprof/: %d %.200s", resp.StatusCode, body)
	}
}
