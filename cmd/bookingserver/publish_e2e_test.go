package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/bookingserver/bookingserver/publish"
	"github.com/bookingserver/bookingserver/publish/publishtest"
)

// TestPublishToDropboxes: serve with the three --dropbox-* flags, a key file and a
// known_hosts file, against an in-process SFTP server on loopback: POST
// /v1/feeds:publish uploads the three feeds and GET /v1/feeds/publications shows it.
func TestPublishToDropboxes(t *testing.T) {
	dir := t.TempDir()
	feedDir := filepath.Join(dir, "feeds")
	writeOneSlotFeeds(t, feedDir, 2)
	key, keyFile := publishtest.NewKeyFile(t)
	srv := publishtest.Start(t, "127.0.0.1:0", key.PublicKey())
	boxes := map[string]string{}
	args := []string{"serve", "--data", filepath.Join(dir, "b.db"), "--feeds", feedDir,
		"--grpc-addr", freeAddr(t), "--auth-user", killUser, "--auth-password", killPassword, "--admin-token", "adm",
		"--dropbox-key", keyFile, "--dropbox-known-hosts", srv.KnownHosts(t, srv.HostKey.PublicKey())}
	for _, kind := range []string{"merchant", "service", "availability"} {
		boxes[kind] = t.TempDir()
		args = append(args, "--dropbox-"+kind, "sftp://google@"+srv.Addr+boxes[kind])
	}
	httpAddr := freeAddr(t)
	args = append(args, "--http-addr", httpAddr)
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	var logs syncBuffer
	go func() { exit <- run(ctx, args, &logs, &logs) }()
	defer func() {
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("serve exit %d: %s", code, logs.String())
		}
	}()
	base := "http://" + httpAddr
	waitHealthy(t, base+"/healthz")
	call := func(method, path string, out any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer adm")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || json.Unmarshal(raw, out) != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
	}
	var pub publish.Publication
	call("POST", "/v1/feeds:publish", &pub)
	if pub.Outcome != "ok" || len(pub.Feeds) != 3 {
		t.Fatalf("publication %+v", pub)
	}
	for _, fu := range pub.Feeds {
		entries, _ := os.ReadDir(boxes[string(fu.Kind)])
		if len(fu.Files) != 1 || len(entries) != 1 || entries[0].Name() != fu.Files[0].Name {
			t.Errorf("%s: files %v, dropbox %v", fu.Kind, fu.Files, entries)
		}
	}
	var list struct {
		Publications []publish.Publication `json:"publications"`
	}
	call("GET", "/v1/feeds/publications", &list)
	if len(list.Publications) != 1 || list.Publications[0].Outcome != "ok" || list.Publications[0].Trigger != "api" {
		t.Fatalf("publications %+v", list)
	}
}
