package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/notifier/notifiertest"
	"github.com/bookingserver/bookingserver/publish"
	"github.com/bookingserver/bookingserver/publish/publishtest"
)

// TestPublishToDropboxes: serve with the three --dropbox-* flags, a key file and a
// known_hosts file, against an in-process SFTP server on loopback: POST
// /v1/feeds:publish uploads the three feeds and GET /v1/feeds/publications shows it,
// with Google's feed status of each file (a fake Maps Booking API) once read; after
// a restart the publication and its status are still shown; on each store.
func TestPublishToDropboxes(t *testing.T) {
	eachStore(t, func(t *testing.T, store []string) {
		dir := t.TempDir()
		api, tokens := notifiertest.NewFakeAPI(t), notifiertest.NewTokenServer(t)
		creds := notifiertest.ServiceAccountFile(t, tokens.URL)
		feedDir := filepath.Join(dir, "feeds")
		writeOneSlotFeeds(t, feedDir, 2)
		key, keyFile := publishtest.NewKeyFile(t)
		srv := publishtest.Start(t, "127.0.0.1:0", key.PublicKey())
		boxes := map[string]string{}
		args := serveArgs(store, "--feeds", feedDir,
			"--auth-user", killUser, "--auth-password", killPassword, "--admin-token", "adm",
			"--dropbox-key", keyFile, "--dropbox-known-hosts", srv.KnownHosts(t, srv.HostKey.PublicKey()),
			"--partner-id", "4242", "--maps-booking-url", api.URL, "--google-credentials", creds, "--feed-status-interval", "50ms")
		for _, kind := range []string{"merchant", "service", "availability"} {
			boxes[kind] = t.TempDir()
			args = append(args, "--dropbox-"+kind, "sftp://google@"+srv.Addr+boxes[kind])
		}
		life := serveInProcess(t, args)
		base := "http://" + life.httpAddr
		call := func(method, path string, out any) {
			t.Helper()
			req, _ := http.NewRequest(method, base+path, nil)
			req.Header.Set("Authorization", "Bearer adm")
			doJSON(t, req, out)
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
		for _, fu := range pub.Feeds {
			feed := map[string]string{"merchant": "merchants", "service": "services", "availability": "availability"}[string(fu.Kind)]
			api.SetFeedStatus("partners/4242/feeds/"+feed+"/"+fu.Files[0].Name,
				`{"state":"SUCCESS","statistics":{"newItems":"1","existingItems":"0","deletedItems":"0"}}`)
		}
		var list struct {
			Publications []publish.Publication `json:"publications"`
		}
		statusRead := func() bool {
			call("GET", "/v1/feeds/publications", &list)
			if len(list.Publications) != 1 || list.Publications[0].Outcome != "ok" || list.Publications[0].Trigger != "api" {
				t.Fatalf("publications %+v", list)
			}
			for _, fu := range list.Publications[0].Feeds {
				if s := fu.Files[0].Status; s == nil || s.State != "SUCCESS" || s.NewItems != 1 {
					return false
				}
			}
			return true
		}
		for deadline := time.Now().Add(20 * time.Second); !statusRead(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no SUCCESS status beside every file: %+v", list)
			}
		}

		life.stop(t)
		life = serveInProcess(t, args) // on ports of its own
		base = "http://" + life.httpAddr
		if !statusRead() {
			t.Fatalf("after a restart: %+v", list)
		}
	})
}
