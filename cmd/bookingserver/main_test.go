package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
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

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeTwiceOnOneDataFile: a second serve on the same data file fails fast with a
// clear message, and the first one shuts down cleanly on cancel.
func TestServeTwiceOnOneDataFile(t *testing.T) {
	data := filepath.Join(t.TempDir(), "b.db")
	httpAddr := freeAddr(t)
	args := []string{"serve", "--data", data, "--auth-user", "u", "--auth-password", "p",
		"--grpc-addr", freeAddr(t), "--http-addr", httpAddr}

	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	var stderr syncBuffer
	go func() { exit <- run(ctx, args, &stderr, &stderr) }()
	waitHealthy(t, "http://"+httpAddr+"/healthz")

	var out2 bytes.Buffer
	start := time.Now()
	second := append([]string{}, args...)
	second[len(second)-1] = freeAddr(t)
	if code := run(context.Background(), second, &out2, &out2); code != 1 {
		t.Fatalf("second serve exit %d, want 1; output %s", code, out2.String())
	}
	if !strings.Contains(out2.String(), "another bookingserver") {
		t.Errorf("second serve message: %s", out2.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second serve took %v to fail", d)
	}

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("first serve exit %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s never became healthy", url)
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
