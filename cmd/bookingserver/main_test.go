package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test to share.
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

// TestServeTwiceOnOneDataFile: a second serve on the same data file fails fast with a
// clear message, and the first one shuts down cleanly on cancel.
func TestServeTwiceOnOneDataFile(t *testing.T) {
	data := filepath.Join(t.TempDir(), "b.db")
	args := []string{"serve", "--data", data, "--auth-user", "u", "--auth-password", "p"}
	first := serveInProcess(t, args)

	var out2 bytes.Buffer
	start := time.Now()
	if code := run(context.Background(), append(args, anyPorts()...), &out2, &out2); code != 1 {
		t.Fatalf("second serve exit %d, want 1; output %s", code, out2.String())
	}
	if !strings.Contains(out2.String(), "another bookingserver") {
		t.Errorf("second serve message: %s", out2.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second serve took %v to fail", d)
	}
	first.stop(t)
}

func TestServeNeedsCredentials(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), []string{"serve", "--data", filepath.Join(t.TempDir(), "x.db")}, &out, &out)
	if code != 1 || !strings.Contains(out.String(), "--auth-user") {
		t.Fatalf("exit %d: %s", code, out.String())
	}
}

// TestFlagsFromEnvironment: every flag reads BOOKINGSERVER_<FLAG>; the command line wins.
func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("BOOKINGSERVER_GRPC_ADDR", "127.0.0.1:1234")
	t.Setenv("BOOKINGSERVER_AUTH_USER", "env-user")
	t.Setenv("BOOKINGSERVER_AUTH_PASSWORD", "env-pass")
	t.Setenv("BOOKINGSERVER_INSECURE_NO_AUTH", "true")
	t.Setenv("BOOKINGSERVER_DATABASE_URL", "postgres://db.internal/booking")
	cfg, err := parseServeConfig([]string{"--auth-user", "flag-user"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.grpcAddr != "127.0.0.1:1234" || cfg.creds.authUser != "flag-user" || cfg.creds.authPassword != "env-pass" || !cfg.creds.insecureNoAuth ||
		cfg.store.databaseURL != "postgres://db.internal/booking" {
		t.Errorf("got %+v", cfg)
	}
	t.Setenv("BOOKINGSERVER_SHUTDOWN_TIMEOUT", "soon")
	if _, err := parseServeConfig(nil, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "BOOKINGSERVER_SHUTDOWN_TIMEOUT") {
		t.Errorf("bad env value: %v", err)
	}
}

// TestHelpDocumentsEveryFlag: --help lists each flag with its environment variable.
func TestHelpDocumentsEveryFlag(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--help"}, &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, flag := range []string{"data", "grpc-addr", "http-addr", "auth-user", "auth-password", "insecure-no-auth", "admin-token", "tls-cert", "tls-key", "insecure", "payment-processor", "stripe-secret-key"} {
		if !strings.Contains(out.String(), "--"+flag+" ") && !strings.Contains(out.String(), "--"+flag+"\n") {
			t.Errorf("--help does not document --%s", flag)
		}
		if !strings.Contains(out.String(), envName(flag)) {
			t.Errorf("--help does not name %s", envName(flag))
		}
	}
}
