package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSelfSigned writes a certificate for 127.0.0.1 named cn and its key into dir;
// it returns the certificate (DER) and the two paths.
func writeSelfSigned(t *testing.T, dir, cn string) (der []byte, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return der, certFile, keyFile
}

// TestJSONLogsOnly: with --log-format json every line the process writes to stderr is
// one JSON object — our lines, feed loading, net/http's connection errors (the log
// package), grpc-go's lines, and the final error of a failed command; serve on each
// store (what the Postgres path logs, at start and on errors, must be JSON too).
func TestJSONLogsOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, t.TempDir())
	eachStore(t, func(t *testing.T, store []string) { jsonLogsOnly(t, bin, store) })
}

func jsonLogsOnly(t *testing.T, bin string, store []string) {
	dir := t.TempDir()
	feeds := filepath.Join(dir, "feeds")
	writeKillFeeds(t, feeds, 1)
	_, certFile, keyFile := writeSelfSigned(t, dir, "logs")

	cmd := exec.Command(bin, serveArgs(store, "--feeds", feeds,
		"--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--auth-user", killUser, "--auth-password", killPassword, "--log-format", "json", "--log-level", "debug")...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitLog := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), what); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no log line with %q:\n%s", what, stderr.String())
			}
		}
	}
	waitLog(`"msg":"serving"`)
	httpAddr, grpcAddr := servingAddrs(stderr.String())
	// Plaintext on both TLS listeners: net/http logs a handshake error through the
	// log package, grpc-go a failed handshake through grpclog.
	for _, addr := range []string{httpAddr, grpcAddr} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		_, _ = c.Read(make([]byte, 64))
		c.Close()
	}
	waitLog("TLS handshake error")
	waitLog(`"component":"grpc"`)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	served := stderr.String()

	// A failure: an empty data file is refused, and the refusal is a JSON line too.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "feeds", "load", "--data", empty, "--log-format", "json", filepath.Join(feeds, "merchants.json")).CombinedOutput()
	if code := exitCode(err); code != 1 {
		t.Fatalf("feeds load on an empty file: exit %d (want 1): %s", code, out)
	}

	for _, w := range []struct{ name, log, want string }{
		{"serve", served, "feed loaded"},
		{"feeds load", string(out), "empty.db"},
	} {
		found := false
		for line := range strings.Lines(w.log) {
			var obj map[string]any
			if err := json.Unmarshal([]byte(line), &obj); err != nil {
				t.Errorf("%s: a line that is not JSON: %q", w.name, line)
				continue
			}
			if _, ok := obj["level"]; !ok {
				t.Errorf("%s: a JSON line without a level: %q", w.name, line)
			}
			found = found || strings.Contains(line, w.want)
		}
		if !found {
			t.Errorf("%s: no line with %q:\n%s", w.name, w.want, w.log)
		}
	}
}

// exitCode is the exit status of a finished command (0 when err is nil).
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestLogFlags: the level and format flags take their documented values only.
func TestLogFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"--log-level", "warn", "--log-format", "text"}, true},
		{[]string{"--log-level", "debug"}, true},
		{[]string{"--log-level", "verbose"}, false},
		{[]string{"--log-format", "xml"}, false},
	} {
		cfg, err := parseServeConfig(append([]string{"--insecure-no-auth"}, tt.args...), os.Stderr)
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v, want ok %v", tt.args, err, tt.ok)
		}
		if err == nil && tt.args[1] == "warn" && (cfg.logs.level.String() != "WARN" || cfg.logs.format != "text") {
			t.Errorf("%q: got %v %v", tt.args, cfg.logs.level, cfg.logs.format)
		}
	}
}
