// Command load measures the server side by side on one machine and one run: it starts
// bookingserver in-process on loopback over a store of 1,000,000 generated slots, then
// drives grpc.health.v1 Check (the no-op ceiling), BatchAvailabilityLookup of 20 slots
// and CreateBooking (gRPC and REST), and a bbolt db.Batch baseline on a separate file,
// each for a fixed time at a fixed number of clients. It prints ops/s, p50/p99 and the
// ratios, and writes bench/RESULTS.md. Run it with `make bench`.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/bench/baseline"
	"github.com/bookingserver/bookingserver/bench/measure"
	"github.com/bookingserver/bookingserver/bench/synth"
	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
)

const (
	user     = "google"
	password = "load-test-password"
)

func main() {
	slots := flag.Int("slots", 1_000_000, "availability slots in the store")
	clients := flag.Int("clients", 32, "concurrent clients of every phase")
	phase := flag.Duration("phase", 6*time.Second, "measured time of each phase (after a short warm-up)")
	out := flag.String("out", "bench/RESULTS.md", "results file ('' to skip)")
	flag.Parse()
	if err := run(*slots, *clients, *phase, *out); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(slots, clients int, phase time.Duration, out string) error {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // per-call logs formatted, not printed
	dir, err := os.MkdirTemp("", "bookingserver-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The store: 1,000,000 slots of 1,000 spots, loaded through the normal feed path.
	l := synth.NewLayout(synth.Params{Slots: slots})
	st, err := store.Open(store.DefaultConfig(filepath.Join(dir, "bookingserver.db")))
	if err != nil {
		return err
	}
	defer st.Close()
	t0 := time.Now()
	for _, f := range l.Feeds() {
		if _, err := st.LoadFeed(context.Background(), f.Kind, f.Data); err != nil {
			return err
		}
	}
	ingest := time.Since(t0)
	fmt.Fprintf(os.Stderr, "store: %d slots generated and loaded in %s\n", slots, ingest.Round(time.Millisecond))
	runtime.GC()

	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: user, BasicPassword: password},
	}, server.Deps{Bookings: core, Feeds: st})
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Shutdown()
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", basicAuth())
	grpcClient := acv3.NewBookingServiceClient(conn)
	health := healthpb.NewHealthClient(conn)
	rest := &restClient{base: "http://" + srv.HTTPAddr(), http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}}
	base, err := baseline.Open(filepath.Join(dir, "baseline.db"))
	if err != nil {
		return err
	}
	defer base.Close()

	var seq atomic.Int64
	newID := func(prefix string) (int, string) {
		n := int(seq.Add(1))
		return n, fmt.Sprintf("%s-%d", prefix, n)
	}
	checkCreate := func(resp *acv3.CreateBookingResponse) error {
		if resp.GetBooking().GetBookingId() == "" {
			return fmt.Errorf("no booking: %v", resp.GetBookingFailure())
		}
		return nil
	}
	lookupBodies := make([][]byte, 4096)
	for i := range lookupBodies {
		if lookupBodies[i], err = server.JSONOptions.Marshal(l.BatchRequest(i)); err != nil {
			return err
		}
	}
	phases := []struct {
		name    string
		clients int
		op      func(i int) error
	}{
		{"core BatchAvailability (1 client)", 1, func(i int) error {
			return synth.CheckLookup(core.BatchAvailability(context.Background(), l.BatchRequest(i)))
		}},
		{"grpc health.v1 Check", clients, func(int) error {
			_, err := health.Check(context.Background(), &healthpb.HealthCheckRequest{})
			return err
		}},
		{"grpc BatchAvailabilityLookup", clients, func(i int) error {
			return synth.CheckLookup(grpcClient.BatchAvailabilityLookup(ctx, l.BatchRequest(i)))
		}},
		{"rest HealthCheck", clients, func(int) error {
			return rest.call("/v3/HealthCheck", &acv3.HealthCheckRequest{}, &acv3.HealthCheckResponse{})
		}},
		{"rest BatchAvailabilityLookup", clients, func(i int) error {
			// Google's client, not ours, pays for its JSON: send bodies encoded before the
			// run and check the answer by scanning it, so the phase measures the server.
			raw, err := rest.post("/v3/BatchAvailabilityLookup", lookupBodies[i%len(lookupBodies)])
			if err != nil {
				return err
			}
			if n := bytes.Count(raw, []byte(`"available":true`)); n != synth.LookupSlots {
				return fmt.Errorf("%d of %d slot times available: %s", n, synth.LookupSlots, raw)
			}
			return nil
		}},
		{"bbolt db.Batch baseline", clients, func(int) error { return base.Batch() }},
		{"grpc CreateBooking", clients, func(int) error {
			n, id := newID("grpc")
			resp, err := grpcClient.CreateBooking(ctx, l.CreateRequest(n, id))
			if err != nil {
				return err
			}
			return checkCreate(resp)
		}},
		{"rest CreateBooking", clients, func(int) error {
			n, id := newID("rest")
			resp := &acv3.CreateBookingResponse{}
			if err := rest.call("/v3/CreateBooking", l.CreateRequest(n, id), resp); err != nil {
				return err
			}
			return checkCreate(resp)
		}},
	}
	results := map[string]measure.Result{}
	var order []measure.Result
	for _, p := range phases {
		r, err := measure.Run(p.name, p.clients, phase, p.op)
		if err != nil {
			return err
		}
		results[p.name] = r
		order = append(order, r)
	}
	ratio := func(a, b string) float64 { return results[a].OpsPerSec() / results[b].OpsPerSec() }
	ratios := []measure.Ratio{
		{What: "gRPC lookup / gRPC health ceiling", Value: ratio("grpc BatchAvailabilityLookup", "grpc health.v1 Check"), Target: "≥ 0.50"},
		{What: "REST lookup / REST health ceiling", Value: ratio("rest BatchAvailabilityLookup", "rest HealthCheck"), Target: "≥ 0.50"},
		{What: "gRPC CreateBooking / bbolt db.Batch", Value: ratio("grpc CreateBooking", "bbolt db.Batch baseline"), Target: "≥ 0.50"},
		{What: "REST CreateBooking / bbolt db.Batch", Value: ratio("rest CreateBooking", "bbolt db.Batch baseline"), Target: "≥ 0.50"},
		{What: "REST / gRPC lookup", Value: ratio("rest BatchAvailabilityLookup", "grpc BatchAvailabilityLookup")},
		{What: "REST / gRPC CreateBooking", Value: ratio("rest CreateBooking", "grpc CreateBooking")},
		{What: "REST / gRPC health", Value: ratio("rest HealthCheck", "grpc health.v1 Check")},
	}
	fmt.Fprintln(os.Stderr)
	for _, r := range ratios {
		fmt.Fprintf(os.Stderr, "%-38s %6.2f  %s\n", r.What, r.Value, r.Target)
	}
	p99 := results["grpc BatchAvailabilityLookup"].P99
	fmt.Fprintf(os.Stderr, "%-38s %6s  < 15ms\n", "gRPC lookup p99 under load", p99.Round(time.Microsecond))
	if out == "" {
		return nil
	}
	var md bytes.Buffer
	fmt.Fprintf(&md, "# Load benchmark results\n\nWritten by `make bench` (`go run ./bench/load`); numbers are only comparable within one run.\n\n")
	fmt.Fprintf(&md, "- Date: %s\n- Machine: %d CPUs (nproc), %s, %s/%s\n- Go: %s\n- Commit: %s\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), measure.CPUModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), measure.GitCommit())
	fmt.Fprintf(&md, "- Store: %d slots (%d merchants, %d services, %d spots each), loaded in %s\n",
		slots, l.Params().Merchants, l.Series(), l.Params().Spots, ingest.Round(time.Millisecond))
	fmt.Fprintf(&md, "- Each phase: %s measured after %s warm-up, %d concurrent clients (core: 1), one gRPC connection, HTTP/1.1 keep-alive for REST, server and clients in one process on loopback (REST lookups send pre-encoded bodies and scan the answers, so the client's JSON is not counted); per-call logs formatted to io.Discard\n\n",
		phase, phase/6, clients)
	measure.WriteTables(&md, order, ratios)
	fmt.Fprintf(&md, "| gRPC lookup p99 under load | %s | < 15ms |\n", p99.Round(time.Microsecond))
	md.Write(measure.Sections(out)) // e.g. bench/replicas' section
	if err := os.WriteFile(out, md.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", out)
	return nil
}

// restClient calls the REST gateway with Google's credentials and JSON bodies.
type restClient struct {
	base string
	http *http.Client
}

func basicAuth() string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, password)
	return req.Header.Get("Authorization")
}

func (c *restClient) call(path string, in, out proto.Message) error {
	body, err := server.JSONOptions.Marshal(in)
	if err != nil {
		return err
	}
	raw, err := c.post(path, body)
	if err != nil {
		return err
	}
	return server.JSONOptions.Unmarshal(raw, out)
}

// post sends one JSON body and returns the answer's body, or an error for non-200.
func (c *restClient) post(path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest("POST", c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(user, password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	return raw, nil
}
