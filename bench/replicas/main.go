// Command replicas measures two bookingserver replicas on one PostgreSQL database, on
// one machine and in one run: it creates a fresh schema in the database of
// -database-url, loads generated feeds through one replica, starts both in-process
// on loopback and drives grpc.health.v1 Check (the no-op ceiling),
// BatchAvailabilityLookup of 20 slots and CreateBooking through both (clients
// alternate), and a pgx baseline of single-row conditional-update transactions at
// the same concurrency. The baseline and CreateBooking phases take turns, -rounds
// times each, so that a drift of the shared machine's load (other processes, the
// database's checkpoints) meets both alike; their ratio is of the pooled rounds,
// and each round's is printed. It prints ops/s, p50/p99 and the ratios, and writes them as
// the "Several replicas on PostgreSQL" section of bench/RESULTS.md. Run it with
// `make bench-replicas DATABASE_URL=postgres://…`.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

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
	// section heads this benchmark's part of the results file.
	section = "## Several replicas on PostgreSQL"
	// baselineRows are the rows the baseline's updates spread over.
	baselineRows = 100_000
	// probeSlots are the last slots of the layout, which the visibility probes book
	// and the CreateBooking load does not reach (it books from the first).
	probeSlots = 5_000
)

func main() {
	dbURL := flag.String("database-url", os.Getenv("BOOKINGSERVER_DATABASE_URL"), "PostgreSQL database to benchmark in (a fresh schema is created and dropped)")
	slots := flag.Int("slots", 1_000_000, "availability slots in the store")
	clients := flag.Int("clients", 32, "concurrent clients of every phase")
	phase := flag.Duration("phase", 6*time.Second, "measured time of each phase (after a short warm-up)")
	rounds := flag.Int("rounds", 3, "rounds of the baseline and CreateBooking phases, which take turns")
	out := flag.String("out", "bench/RESULTS.md", "results file whose replicas section is replaced ('' to skip)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the benchmark's process (replicas and clients) during the last CreateBooking round to this file")
	flag.Parse()
	if *dbURL == "" || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "replicas: give -database-url postgres://… (or BOOKINGSERVER_DATABASE_URL), and -rounds of at least 1")
		os.Exit(2)
	}
	o := options{slots: *slots, clients: *clients, rounds: *rounds, phase: *phase, out: *out, cpuProfile: *cpuProfile}
	if err := run(*dbURL, o); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

// freshSchema creates an empty schema in the database and returns the URL that
// uses it and a function that drops it.
func freshSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	drop := func() {
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintln(os.Stderr, "drop schema:", err)
		}
		conn.Close(context.Background())
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// replica is one in-process bookingserver on the shared database.
type replica struct {
	st     *store.Postgres
	srv    *server.Server
	conn   *grpc.ClientConn
	book   acv3.BookingServiceClient
	health healthpb.HealthClient
}

func startReplica(ctx context.Context, dbURL string) (*replica, error) {
	st, err := store.OpenPostgres(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		return nil, err
	}
	srv, err := server.New(server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: user, BasicPassword: password},
	}, server.Deps{Bookings: core, Feeds: st})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &replica{st: st, srv: srv, conn: conn, book: acv3.NewBookingServiceClient(conn), health: healthpb.NewHealthClient(conn)}, nil
}

func (r *replica) close() {
	r.conn.Close()
	r.srv.Shutdown() //nolint:errcheck // the benchmark is over
	r.st.Close()
}

// options are a run's settings, from the flags.
type options struct {
	slots, clients, rounds int
	phase                  time.Duration
	out, cpuProfile        string
}

func run(base string, o options) error {
	slots, clients, phase, out := o.slots, o.clients, o.phase, o.out
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	dbURL, drop, err := freshSchema(ctx, base)
	if err != nil {
		return err
	}
	defer drop()

	var reps [2]*replica
	for i := range reps {
		if reps[i], err = startReplica(ctx, dbURL); err != nil {
			return err
		}
		defer reps[i].close()
	}
	l := synth.NewLayout(synth.Params{Slots: slots})
	heapBefore := heapInUse()
	t0 := time.Now()
	for _, f := range l.Feeds() {
		if _, err := reps[0].st.LoadFeed(ctx, f.Kind, f.Data); err != nil {
			return err
		}
	}
	ingest := time.Since(t0)
	fmt.Fprintf(os.Stderr, "database: %d slots generated and loaded (COPY) in %s\n", slots, ingest.Round(time.Millisecond))
	// Each replica caches the whole feed for lookups, in the background after a
	// load: the phases measure replicas that finished, as a serving one has.
	t0 = time.Now()
	for _, r := range reps {
		if err := r.st.WaitCacheWarm(ctx); err != nil {
			return err
		}
	}
	warm := time.Since(t0)
	cacheBytes := (heapInUse() - heapBefore) / uint64(len(reps))
	fmt.Fprintf(os.Stderr, "availability caches of both replicas filled %s after the load, about %d MiB each\n", warm.Round(time.Millisecond), cacheBytes>>20)

	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE baseline_slots (id integer PRIMARY KEY, booked bigint NOT NULL, total bigint NOT NULL);
		INSERT INTO baseline_slots SELECT i, 0, 1000000 FROM generate_series(0, `+fmt.Sprint(baselineRows-1)+`) i`); err != nil {
		return err
	}
	runtime.GC()

	auth := metadata.AppendToOutgoingContext(ctx, "authorization", "Basic "+basic())
	var seq atomic.Int64
	phases := []struct {
		name string
		op   func(i int) error
	}{
		{"grpc health.v1 Check, 2 replicas", func(i int) error {
			_, err := reps[i%2].health.Check(ctx, &healthpb.HealthCheckRequest{})
			return err
		}},
		{"grpc BatchAvailabilityLookup, 2 replicas", func(i int) error {
			return synth.CheckLookup(reps[i%2].book.BatchAvailabilityLookup(auth, l.BatchRequest(i)))
		}},
		{"pgx conditional-update transaction", func(i int) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				tag, err := tx.Exec(ctx, `UPDATE baseline_slots SET booked = booked + 1 WHERE id = $1 AND booked < total`, i%baselineRows)
				if err == nil && tag.RowsAffected() != 1 {
					err = errors.New("baseline row not updated")
				}
				return err
			})
		}},
		{"grpc CreateBooking, 2 replicas", func(i int) error {
			n := int(seq.Add(1))
			resp, err := reps[i%2].book.CreateBooking(auth, l.CreateRequest(n, fmt.Sprintf("replica-%d", n)))
			if err != nil {
				return err
			}
			if resp.GetBooking().GetBookingId() == "" {
				return fmt.Errorf("no booking: %v", resp.GetBookingFailure())
			}
			return nil
		}},
	}
	meter := newCPUMeter(ctx, pool)
	var (
		runs    = map[string][]measure.Result{}
		cpuUsed = map[string]cpuTimes{}
		seen    visibility
		probes  int
	)
	runPhase := func(i int, profile bool) error {
		p := phases[i]
		var stopProbe func() visibility
		if i == 3 {
			stopProbe = probeVisibility(auth, reps, l, slots, &probes)
		}
		stopProfile, err := profileIf(profile, o.cpuProfile)
		if err != nil {
			return err
		}
		before := meter.read()
		r, err := measure.Run(p.name, clients, phase, p.op)
		stopProfile()
		if err != nil {
			return err
		}
		used := meter.read().since(before)
		fmt.Fprintf(os.Stderr, "%38s %s\n", "", meter.perOp(used, r.AllOps))
		if stopProbe != nil {
			seen.delays = append(seen.delays, stopProbe().delays...)
		}
		runs[p.name] = append(runs[p.name], r)
		cpuUsed[p.name] = cpuUsed[p.name].plus(used)
		return nil
	}
	for i := range 2 {
		if err := runPhase(i, false); err != nil {
			return err
		}
	}
	var roundRatios []string
	for round := range o.rounds {
		if err := runPhase(2, false); err != nil {
			return err
		}
		if err := runPhase(3, round == o.rounds-1); err != nil {
			return err
		}
		n := len(runs[phases[3].name]) - 1
		roundRatios = append(roundRatios, fmt.Sprintf("%.2f", runs[phases[3].name][n].OpsPerSec()/runs[phases[2].name][n].OpsPerSec()))
		fmt.Fprintf(os.Stderr, "round %d of %d: CreateBooking / baseline %s\n", round+1, o.rounds, roundRatios[n])
	}
	results, cpu := map[string]measure.Result{}, map[string]string{}
	var order []measure.Result
	for _, p := range phases {
		r := measure.Combine(p.name, runs[p.name]...)
		results[p.name], cpu[p.name] = r, meter.perOp(cpuUsed[p.name], r.AllOps)
		order = append(order, r)
	}
	ratio := func(a, b string) float64 { return results[a].OpsPerSec() / results[b].OpsPerSec() }
	ratios := []measure.Ratio{
		{What: "CreateBooking, 2 replicas / pgx conditional-update baseline", Value: ratio(phases[3].name, phases[2].name), Target: "≥ 0.50"},
		{What: "BatchAvailabilityLookup / health ceiling, 2 replicas", Value: ratio(phases[1].name, phases[0].name), Target: "≥ 0.25"},
	}
	p99 := results[phases[1].name].P99
	fmt.Fprintln(os.Stderr)
	for _, r := range ratios {
		fmt.Fprintf(os.Stderr, "%-60s %6.2f  %s\n", r.What, r.Value, r.Target)
	}
	fmt.Fprintf(os.Stderr, "%-60s %6s  < 15ms\n", "lookup p99 under load", p99.Round(time.Microsecond))
	fmt.Fprintf(os.Stderr, "CreateBooking / baseline in each round: %s\n", strings.Join(roundRatios, ", "))
	fmt.Fprintf(os.Stderr, "booking on one replica seen by the other's lookups, under the CreateBooking load: %s\n", seen)
	if out == "" {
		return nil
	}
	var md bytes.Buffer
	fmt.Fprintf(&md, "%s\n\nWritten by `make bench-replicas` (`go run ./bench/replicas`); numbers are only comparable within one run.\n\n", section)
	fmt.Fprintf(&md, "- Date: %s\n- Machine: %d CPUs (nproc), %s, load average %s\n- Commit: %s\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), measure.CPUModel(), measure.LoadAverage(), measure.GitCommit())
	fmt.Fprintf(&md, "- Database: PostgreSQL %s on the same machine; %d slots loaded with COPY in %s; each replica's availability cache (the whole feed) filled %s after the load, about %d MiB of heap each\n",
		serverVersion(ctx, pool), slots, ingest.Round(time.Millisecond), warm.Round(time.Millisecond), cacheBytes>>20)
	fmt.Fprintf(&md, "- Each phase: %s measured after %s warm-up, %d concurrent clients alternating between two replicas (each its own pool and gRPC connection), all in one process on loopback\n", phase, phase/6, clients)
	fmt.Fprintf(&md, "- The baseline and CreateBooking phases took turns, %d rounds each; their rows and ratio pool the rounds. CreateBooking / baseline in each round: %s\n\n", o.rounds, strings.Join(roundRatios, ", "))
	measure.WriteTables(&md, order, ratios)
	fmt.Fprintf(&md, "| lookup p99 under load | %s | < 15ms |\n", p99.Round(time.Microsecond))
	fmt.Fprintf(&md, "\nCPU time per operation over each whole phase (warm-up included), PostgreSQL's processes and the benchmark's own (read from /proc):\n\n")
	for _, r := range order {
		fmt.Fprintf(&md, "- %s: %s\n", r.Name, cpu[r.Name])
	}
	fmt.Fprintf(&md, "\nA booking made on one replica is seen by the other replica's lookups (CheckAvailability, from its cache) after: %s — measured during the CreateBooking rounds, one probe booking at a time, from the CreateBooking answer to the first lookup showing it.\n", seen)
	return measure.WriteSection(out, section, md.Bytes())
}

func basic() string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func serverVersion(ctx context.Context, pool *pgxpool.Pool) string {
	var v string
	if err := pool.QueryRow(ctx, `SHOW server_version`).Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// visibility is how long bookings made on one replica took to show in the other's
// lookups.
type visibility struct{ delays []time.Duration }

func (v visibility) String() string {
	if len(v.delays) == 0 {
		return "no probe completed"
	}
	d := slices.Clone(v.delays)
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[int(q*float64(len(d)-1))].Round(10 * time.Microsecond) }
	return fmt.Sprintf("p50 %s, p99 %s, max %s over %d probes", at(0.5), at(0.99), d[len(d)-1].Round(10*time.Microsecond), len(d))
}

// probeVisibility books, one at a time until the returned stop is called, the
// last slots of the layout (which the load does not reach) on alternate replicas,
// and measures when the other replica's CheckAvailability, polled every 2 ms, first
// shows each booking. probes counts the probes of every call, so that a later call
// books other slots with other tokens.
func probeVisibility(ctx context.Context, reps [2]*replica, l synth.Layout, slots int, probes *int) (stop func() visibility) {
	done := make(chan struct{})
	result := make(chan visibility, 1)
	go func() {
		var v visibility
		defer func() { result <- v }()
		for ; ; *probes++ {
			select {
			case <-done:
				return
			default:
			}
			n := *probes
			i := slots - 1 - n%probeSlots
			req := l.CreateRequest(i, fmt.Sprintf("probe-%d", n))
			by, other := reps[n%2], reps[(n+1)%2]
			check := &acv3.CheckAvailabilityRequest{Slot: req.GetSlot()}
			before, err := other.book.CheckAvailability(ctx, check)
			if err != nil {
				return
			}
			if resp, err := by.book.CreateBooking(ctx, req); err != nil || resp.GetBooking() == nil {
				return // no figure rather than a wrong one
			}
			booked := time.Now()
			for {
				after, err := other.book.CheckAvailability(ctx, check)
				if err != nil {
					return
				}
				if after.GetCountAvailable() < before.GetCountAvailable() {
					v.delays = append(v.delays, time.Since(booked))
					break
				}
				if time.Since(booked) > 10*time.Second {
					return // never seen: no figure rather than a wrong one
				}
				time.Sleep(2 * time.Millisecond) // polls cost the measured phase little CPU; ±2 ms

			}
		}
	}()
	return func() visibility {
		close(done)
		return <-result
	}
}

// profileIf starts the -cpuprofile profile when on and one was asked for, and
// returns what stops it.
func profileIf(on bool, path string) (stop func(), err error) {
	if !on || path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
