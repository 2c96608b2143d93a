package main

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// TestCredentialRotationOnSIGHUP: Google's password and the admin token are rotated
// while serving. The new ones are added to --auth-file (as a bcrypt hash) and
// --admin-token-file and SIGHUP sent: old and new are both accepted; the old ones are
// removed and SIGHUP sent: they are refused; a broken file on SIGHUP keeps the set in
// force. Every call goes over one keep-alive connection, which is never dropped.
func TestCredentialRotationOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	authFile, tokenFile := filepath.Join(dir, "auth"), filepath.Join(dir, "tokens")
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("new-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	write(authFile, "# Google\ngoogle:old-pass\n")
	write(tokenFile, "old-token\n")

	srv := serveInProcess(t, []string{"serve", "--data", filepath.Join(dir, "b.db"), "--auth-file", authFile,
		"--admin-token-file", tokenFile})
	httpAddr := srv.httpAddr

	var dials atomic.Int32
	client := &http.Client{Transport: &http.Transport{
		MaxConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	status := func(method, path, auth string) int {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+httpAddr+path, strings.NewReader("{}"))
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // drained, so the connection is reused
		resp.Body.Close()
		return resp.StatusCode
	}
	basic := func(pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte("google:"+pass))
	}
	google := func(pass string) int { return status("POST", "/v3/HealthCheck", basic(pass)) }
	admin := func(token string) int { return status("GET", "/v1/notifications?state=dead", "Bearer "+token) }
	// hup sends SIGHUP and waits until cond holds (the reload is asynchronous).
	hup := func(what string, cond func() bool) {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("after SIGHUP: %s never held", what)
			}
		}
	}

	if google("old-pass") != 200 || google("new-pass") != 401 || admin("old-token") != 200 || admin("new-token") != 401 {
		t.Fatal("before rotation: want only the old credentials accepted")
	}
	write(authFile, "google:old-pass\ngoogle:"+string(hash)+"\n")
	write(tokenFile, "old-token\nnew-token\n")
	hup("new credentials accepted", func() bool { return google("new-pass") == 200 && admin("new-token") == 200 })
	if google("old-pass") != 200 || admin("old-token") != 200 {
		t.Error("during the overlap the old credentials must still be accepted")
	}
	write(authFile, "google:"+string(hash)+"\n")
	write(tokenFile, "new-token\n")
	hup("old credentials refused", func() bool { return google("old-pass") == 401 && admin("old-token") == 401 })
	if google("new-pass") != 200 || admin("new-token") != 200 {
		t.Error("after rotation the new credentials must be accepted")
	}
	// A broken file keeps the set in force (and the log says why).
	write(authFile, "no colon here\n")
	hup("the broken file reported", func() bool { return strings.Contains(srv.logs.String(), "credentials not reloaded") })
	if google("new-pass") != 200 || google("old-pass") != 401 {
		t.Error("a broken file on reload must keep the credentials in force")
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections dialled, want 1: a reload dropped the keep-alive connection", n)
	}
}

// TestSecretFileFlags: a secret flag's -file form reads the secret from a file, so it
// never sits on the command line.
func TestSecretFileFlags(t *testing.T) {
	dir := t.TempDir()
	pass, key := filepath.Join(dir, "pass"), filepath.Join(dir, "stripe")
	if err := os.WriteFile(pass, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte("sk_test_123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseServeConfig([]string{"--auth-user", "google", "--auth-password-file", pass, "--stripe-secret-key-file", key}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.creds.authPassword != "s3cret" || cfg.payments.stripeKey != "sk_test_123" {
		t.Errorf("got password %q, stripe key %q", cfg.creds.authPassword, cfg.payments.stripeKey)
	}
	if _, err := parseServeConfig([]string{"--auth-user", "google", "--auth-password-file", filepath.Join(dir, "missing")}, io.Discard); err == nil {
		t.Error("a missing secret file must be an error")
	}
}
