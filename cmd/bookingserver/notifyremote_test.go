package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNotifyThroughRunningServer: while a server holds the data file, `notify list`
// on the file goes through that server (found from the address it recorded next to
// the file) given an admin token, and says it needs one without; --server works too;
// a mistyped --data creates no database; the record is gone when the server stops.
func TestNotifyThroughRunningServer(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "b.db")
	srv := serveInProcess(t, []string{"serve", "--data", data, "--insecure-no-auth", "--admin-token", "adm"})
	httpAddr := srv.httpAddr
	// serve records its address once it is serving: wait for the record, not only
	// for the serving line.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := readServerFile(data); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no server record 10 s after serving: %v", err)
		}
	}

	var out bytes.Buffer
	if code := run(context.Background(), []string{"notify", "list", "--data", data}, &out, &out); code != 1 || !strings.Contains(out.String(), "--admin-token") {
		t.Errorf("list on a held file without a token: exit %d: %s", code, out.String())
	}
	out.Reset()
	for _, args := range [][]string{
		{"notify", "list", "--data", data, "--admin-token", "adm"},
		{"notify", "list", "--server", "http://" + httpAddr, "--admin-token", "adm"},
		{"notify", "retry", "--all-dead", "--server", "http://" + httpAddr, "--admin-token", "adm"},
	} {
		if code := run(context.Background(), args, &out, &out); code != 0 {
			t.Errorf("%v: exit %d: %s", args[1], code, out.String())
		}
	}
	if !strings.Contains(out.String(), "0 pending, 0 dead") || !strings.Contains(out.String(), "0 dead letters pending again") {
		t.Errorf("through the server: %s", out.String())
	}
	typo := filepath.Join(dir, "typo.db")
	if code := run(context.Background(), []string{"notify", "list", "--data", typo}, &out, &out); code != 1 {
		t.Errorf("list of a missing file: exit %d", code)
	}
	if _, err := os.Stat(typo); !os.IsNotExist(err) {
		t.Errorf("notify list created %s: %v", typo, err)
	}
	srv.stop(t)
	if _, err := os.Stat(serverFilePath(data)); !os.IsNotExist(err) {
		t.Errorf("the server's record outlived it: %v", err)
	}
}

// TestServerFileTrustsTheServersCertificate: a server record with --tls-cert gives a
// client that trusts that certificate, and an unspecified listen address is recorded
// as loopback.
func TestServerFileTrustsTheServersCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "b.db")
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	forget, err := recordServer(data, "0.0.0.0:"+port, cert)
	if err != nil {
		t.Fatal(err)
	}
	f, err := readServerFile(data)
	if err != nil || f.URL != "https://127.0.0.1:"+port {
		t.Fatalf("record %+v (%v)", f, err)
	}
	client, err := f.client()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(f.URL)
	if err != nil {
		t.Fatalf("through the recorded certificate: %v", err)
	}
	resp.Body.Close()
	forget()
	if _, err := readServerFile(data); !os.IsNotExist(err) {
		t.Errorf("after forget: %v", err)
	}
}
