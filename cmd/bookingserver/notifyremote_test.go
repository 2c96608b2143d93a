package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotifyThroughRunningServer: while a server holds the data file, `notify list`
// on the file says to go through the server, and with --server it does; a mistyped
// --data creates no database.
func TestNotifyThroughRunningServer(t *testing.T) {
	dir := t.TempDir()
	data, httpAddr := filepath.Join(dir, "b.db"), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		exit <- run(ctx, []string{"serve", "--data", data, "--insecure-no-auth", "--admin-token", "adm",
			"--grpc-addr", freeAddr(t), "--http-addr", httpAddr}, &stderr, &stderr)
	}()
	defer func() { cancel(); <-exit }()
	waitHealthy(t, "http://"+httpAddr+"/healthz")

	var out bytes.Buffer
	if code := run(context.Background(), []string{"notify", "list", "--data", data}, &out, &out); code != 1 || !strings.Contains(out.String(), "--server") {
		t.Errorf("list on a held file: exit %d: %s", code, out.String())
	}
	out.Reset()
	for _, args := range [][]string{
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
}
