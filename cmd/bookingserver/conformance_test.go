package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// fixtureAvailability is storetest's fixture slots (2030) as a feed file.
const fixtureAvailability = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},
 "service_availability":[{"availability":[
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893492000","duration_sec":"1800","spots_total":"1","spots_open":"1"},
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893495600","duration_sec":"1800","spots_total":"5","spots_open":"5"},
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893499200","duration_sec":"1800","spots_total":"2","spots_open":"2"}]}]}`

// TestConformanceCommand runs the command against a fixture server: exit 0 with the
// right password (text and JSON), exit 1 and a clear health failure with a wrong one.
func TestConformanceCommand(t *testing.T) {
	st := storetest.New(t)
	storetest.LoadFixture(t, st)
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: "google", BasicPassword: "pw"}}, server.Deps{Bookings: core})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	feed := filepath.Join(t.TempDir(), "availability.json")
	if err := os.WriteFile(feed, []byte(fixtureAvailability), 0o600); err != nil {
		t.Fatal(err)
	}
	common := []string{"conformance", "--auth-user", "google", "--availability", feed, "--num-slots", "2"}
	for _, tt := range []struct {
		name     string
		args     []string
		wantExit int
		wantOut  string
	}{
		{"rest", []string{"--target", "http://" + srv.HTTPAddr(), "--auth-password", "pw"}, 0, "PASS: 10 passed"},
		{"grpc json", []string{"--grpc-target", srv.GRPCAddr(), "--password", "pw", "--json"}, 0, `"ok": true`},
		{"wrong password", []string{"--target", "http://" + srv.HTTPAddr(), "--password", "nope"}, 1, "HealthCheck failed: HealthCheck: HTTP 401 Unauthorized: missing or wrong credentials"},
		{"wrong password grpc", []string{"--grpc-target", srv.GRPCAddr(), "--password", "nope"}, 1, "Unauthenticated"},
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
