package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestConformanceCommand runs the command against serve, on each store: exit 0 with
// the right password (text and JSON), exit 1 and a clear health failure with a wrong
// one.
func TestConformanceCommand(t *testing.T) {
	eachStore(t, conformanceCommand)
}

func conformanceCommand(t *testing.T, store []string) {
	dir := t.TempDir()
	feedDir := filepath.Join(dir, "feeds")
	writeKillFeeds(t, feedDir, killSpots)
	srv := serveInProcess(t, serveArgs(store, "--feeds", feedDir, "--auth-user", "google", "--auth-password", "pw"))
	httpAddr, grpcAddr := srv.httpAddr, srv.grpcAddr
	common := []string{"conformance", "--auth-user", "google", "--availability", filepath.Join(feedDir, "availability.json"), "--num-slots", "2"}
	for _, tt := range []struct {
		name     string
		args     []string
		wantExit int
		wantOut  string
	}{
		{"rest", []string{"--target", "http://" + httpAddr, "--auth-password", "pw"}, 0, "PASS: 10 passed"},
		{"grpc json", []string{"--grpc-target", grpcAddr, "--password", "pw", "--json"}, 0, `"ok": true`},
		{"wrong password", []string{"--target", "http://" + httpAddr, "--password", "nope"}, 1, "HealthCheck failed: HealthCheck: HTTP 401 Unauthorized: missing or wrong credentials"},
		{"wrong password grpc", []string{"--grpc-target", grpcAddr, "--password", "nope"}, 1, "Unauthenticated"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			exit := run(context.Background(), append(append([]string{}, common...), tt.args...), &out, &errOut)
			if exit != tt.wantExit || !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("exit %d (want %d), output:\n%s\nstderr: %s\nwant %q", exit, tt.wantExit, out.String(), errOut.String(), tt.wantOut)
			}
		})
	}
}
