package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFeedExportValidates serves a feed set, exports the three feeds over
// GET /v1/feeds/{kind}:export (admin token) and checks that `bookingserver feeds
// validate` accepts them and that a booked spot is gone from spots_open; on each
// store.
func TestFeedExportValidates(t *testing.T) {
	eachStore(t, func(t *testing.T, store []string) {
		dir := t.TempDir()
		feedDir := filepath.Join(dir, "feeds")
		start := writeOneSlotFeeds(t, feedDir, 2)
		life := serveInProcess(t, serveArgs(store, "--feeds", feedDir, "--auth-user", killUser, "--auth-password", killPassword,
			"--admin-token", "adm"))
		srv := &serveProcess{base: "http://" + life.httpAddr, client: &http.Client{}}
		var created map[string]any
		if code, err := srv.post("/v3/CreateBooking", createBody(start, "u1", "tok-1"), &created); err != nil {
			t.Fatalf("CreateBooking: %d %v", code, err)
		}

		var files []string
		for _, kind := range []string{"merchant", "service", "availability"} {
			req, _ := http.NewRequest("GET", srv.base+"/v1/feeds/"+kind+":export", nil)
			req.Header.Set("Authorization", "Bearer adm")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("X-Feed-Total-Shards") != "1" || resp.Header.Get("X-Feed-Nonce") == "" {
				t.Fatalf("export %s: %d %v %s", kind, resp.StatusCode, resp.Header, raw)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				t.Fatalf("export %s: %v", kind, err)
			}
			if kind == "availability" && !bytes.Contains(compact.Bytes(), []byte(`"spots_total":"2","spots_open":"1"`)) {
				t.Errorf("availability export without the booked spot subtracted:\n%s", raw)
			}
			name := filepath.Join(dir, kind+"s.json")
			if err := os.WriteFile(name, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, name)
		}
		var out bytes.Buffer
		if code := run(t.Context(), append([]string{"feeds", "validate"}, files...), &out, &out); code != 0 || strings.Count(out.String(), ": ok") != 3 {
			t.Fatalf("feeds validate: exit %d\n%s", code, out.String())
		}
		req, _ := http.NewRequest("GET", srv.base+"/v1/feeds/availability:export", nil)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
			t.Fatalf("export without the admin token: %v %v", resp, err)
		}
	})
}
