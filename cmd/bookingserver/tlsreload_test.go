package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestTLSReloadOnSIGHUP: a renewed certificate and key are written over --tls-cert and
// --tls-key and SIGHUP sent: new connections get the new certificate, while the
// keep-alive connection opened before goes on serving with the old one — no
// connection is dropped.
func TestTLSReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	oldDER, certFile, keyFile := writeSelfSigned(t, dir, "old")
	newDir := t.TempDir()
	newDER, newCert, newKey := writeSelfSigned(t, newDir, "new")
	roots := x509.NewCertPool()
	for _, der := range [][]byte{oldDER, newDER} {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		roots.AddCert(c)
	}

	srv := serveInProcess(t, []string{"serve", "--data", filepath.Join(dir, "b.db"), "--insecure-no-auth",
		"--tls-cert", certFile, "--tls-key", keyFile})
	httpAddr := srv.httpAddr

	var dials atomic.Int32
	newClient := func(count bool) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			MaxConnsPerHost: 1, TLSClientConfig: &tls.Config{RootCAs: roots},
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if count {
					dials.Add(1)
				}
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			},
		}}
	}
	// served returns the certificate c's connection was served with (nil on error).
	served := func(c *http.Client) []byte {
		resp, err := c.Get("https://" + httpAddr + "/healthz")
		if err != nil {
			return nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.TLS == nil {
			return nil
		}
		return resp.TLS.PeerCertificates[0].Raw
	}
	kept := newClient(true)
	for deadline := time.Now().Add(10 * time.Second); served(kept) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered over TLS: %s", srv.logs.String())
		}
	}
	if !bytes.Equal(served(kept), oldDER) {
		t.Fatal("before the reload: not the old certificate")
	}
	dials.Store(1) // the attempts while serve was starting do not count

	for _, f := range [][2]string{{newCert, certFile}, {newKey, keyFile}} {
		raw, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f[1], raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !bytes.Equal(served(newClient(false)), newDER); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after SIGHUP new connections never got the new certificate: %s", srv.logs.String())
		}
	}
	if got := served(kept); !bytes.Equal(got, oldDER) {
		t.Errorf("the connection opened before the reload: served %v, want the old certificate on the same connection", got != nil)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections dialled, want 1: the reload dropped the keep-alive connection", n)
	}
}
