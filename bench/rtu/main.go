// Command rtu measures availability real-time updates (RTUs) in one run: bookings and
// cancellations through the booking core against a bbolt store of 1,000 services,
// paced to a total in a set time, while the availability worker sends
// availability:replace calls to a local fake of Google's Maps Booking API (with its
// OAuth2 token endpoint) over loopback. It reports the latency from a change (the
// oldest change coalesced into a window, taken in the change's transaction) to
// Google's 2xx, the calls sent, the changes and windows per call, and the most calls
// that carried one service in one second; then it checks that Google's last view of
// every slot equals the store's. It writes its section of bench/RESULTS.md. Run it
// with `make bench-rtu`.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bookingserver/bookingserver/bench/measure"
	"github.com/bookingserver/bookingserver/bench/synth"
	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/notifier"
	"github.com/bookingserver/bookingserver/store"
)

// section heads this benchmark's part of the results file.
const section = "## Availability real-time updates"

func main() {
	ops := flag.Int("ops", 10_000, "bookings and cancellations in all")
	d := flag.Duration("duration", 60*time.Second, "time the changes are spread over")
	merchants := flag.Int("merchants", 100, "merchants (services = merchants × services-per-merchant)")
	perMerchant := flag.Int("services-per-merchant", 10, "services of each merchant")
	slotsPer := flag.Int("slots-per-service", 10, "slots of each service")
	clients := flag.Int("clients", 8, "concurrent clients")
	out := flag.String("out", "bench/RESULTS.md", "results file whose RTU section is replaced ('' to skip)")
	kill := flag.Duration("kill-after", 5*time.Second, "the kill -9 check: a child process makes changes for this long, is killed, and a restarted worker must bring Google level with the store (0: skip)")
	childStore := flag.String("child-store", "", "internal: run as the killed child on this data file")
	childGoogle := flag.String("child-google", "", "internal: the child's Maps Booking API")
	flag.Parse()
	cfg := config{ops: *ops, d: *d, merchants: *merchants, perMerchant: *perMerchant, slotsPer: *slotsPer, clients: *clients, kill: *kill}
	if *childStore != "" {
		if err := child(cfg, *childStore, *childGoogle); err != nil {
			fmt.Fprintln(os.Stderr, "rtu child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(cfg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "rtu:", err)
		os.Exit(1)
	}
}

type config struct {
	ops, merchants, perMerchant, slotsPer, clients int
	d, kill                                        time.Duration
}

// layout is the feeds of cfg: 3 spots a slot, so that some bookings find a slot full.
func (cfg config) layout() synth.Layout {
	return synth.NewLayout(synth.Params{Slots: cfg.merchants * cfg.perMerchant * cfg.slotsPer, Merchants: cfg.merchants, ServicesPerMerchant: cfg.perMerchant, Spots: 3})
}

// open opens the data file at path with cfg's feeds loaded.
func (cfg config) open(path string, load bool) (*store.Store, error) {
	st, err := store.Open(store.DefaultConfig(path))
	if err != nil || !load {
		return st, err
	}
	for _, f := range cfg.layout().Feeds() {
		if _, err := st.LoadFeed(context.Background(), f.Kind, f.Data); err != nil {
			st.Close()
			return nil, err
		}
	}
	return st, nil
}

// worker is an availability worker on st's queue (through rec when not nil) that
// sends to google.
func worker(st *store.Store, rec *recordingOutbox, google string) (*notifier.AvailabilityWorker, error) {
	client, err := notifier.NewHTTPClient(context.Background(), serviceAccount(google+"/token"))
	if err != nil {
		return nil, err
	}
	var q notifier.AvailabilityOutbox = st.AvailabilityOutbox()
	if rec != nil {
		q = rec
	}
	return notifier.NewAvailabilityWorker(notifier.AvailabilityConfig{Outbox: q, Client: client, PartnerID: "bench", BaseURL: google})
}

// child makes cfg's changes on the data file at path with a worker sending to
// google, until it is killed.
func child(cfg config, path, google string) error {
	st, err := cfg.open(path, false)
	if err != nil {
		return err
	}
	w, err := worker(st, nil, google)
	if err != nil {
		return err
	}
	w.Start(context.Background())
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		return err
	}
	_, _, err = drive(core, cfg.layout(), cfg)
	return err
}

// killCheck runs a child that makes changes against a fresh data file and google,
// kills it with SIGKILL after cfg.kill, then restarts a worker on the file and
// drains it: it returns the slots whose last spotsOpen at Google differs from the
// store's, of those checked, and the windows that were pending at the restart.
func killCheck(cfg config, dir string) (mismatched, checked, pendingAtRestart int, err error) {
	path := filepath.Join(dir, "kill.db")
	google := newFakeGoogle()
	defer google.Close()
	st, err := cfg.open(path, true)
	if err != nil {
		return 0, 0, 0, err
	}
	w, err := worker(st, nil, google.URL)
	if err == nil {
		err = drain(w, st) // Google knows every slot
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	cmd := exec.Command(self, "-child-store", path, "-child-google", google.URL, "-ops", fmt.Sprint(cfg.ops),
		"-duration", cfg.d.String(), "-merchants", fmt.Sprint(cfg.merchants), "-services-per-merchant", fmt.Sprint(cfg.perMerchant),
		"-slots-per-service", fmt.Sprint(cfg.slotsPer), "-clients", fmt.Sprint(cfg.clients))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	time.Sleep(cfg.kill)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		return 0, 0, 0, err
	}
	_ = cmd.Wait()
	if st, err = cfg.open(path, false); err != nil {
		return 0, 0, 0, err
	}
	defer st.Close()
	pendingAtRestart = pendingWindows(st)
	if w, err = worker(st, nil, google.URL); err != nil {
		return 0, 0, 0, err
	}
	if err := drain(w, st); err != nil {
		return 0, 0, 0, err
	}
	mismatched, checked, err = google.compare(st)
	return mismatched, checked, pendingAtRestart, err
}

func run(cfg config, out string) error {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	dir, err := os.MkdirTemp("", "bookingserver-rtu-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	services := cfg.merchants * cfg.perMerchant
	l := cfg.layout()
	st, err := cfg.open(filepath.Join(dir, "bookingserver.db"), true)
	if err != nil {
		return err
	}
	defer st.Close()
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		return err
	}
	google := newFakeGoogle()
	defer google.Close()
	rec := &recordingOutbox{RTUQueue: st.AvailabilityOutbox()}
	w, err := worker(st, rec, google.URL)
	if err != nil {
		return err
	}
	// The feed load's windows go first, unmeasured.
	if err := drain(w, st); err != nil {
		return err
	}
	google.reset()
	rec.reset()
	stop := w.Start(context.Background())

	t0 := time.Now()
	changes, failed, err := drive(core, l, cfg)
	if err != nil {
		stop()
		return err
	}
	elapsed := time.Since(t0)
	deadline := time.Now().Add(30 * time.Second)
	for pendingWindows(st) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	drainTime := time.Since(t0) - elapsed
	mismatched, checked, err := google.compare(st)
	if err != nil {
		return err
	}

	killMismatched, killChecked, killPending := -1, 0, 0
	if cfg.kill > 0 {
		fmt.Fprintf(os.Stderr, "kill -9 check: a child makes changes for %s, then SIGKILL\n", cfg.kill)
		if killMismatched, killChecked, killPending, err = killCheck(cfg, dir); err != nil {
			return err
		}
	}
	lat := rec.latencies()
	calls, entries, maxPerServiceSecond := google.figures()
	stats := w.Stats()
	r := report{cfg: cfg, services: services, changes: changes, failed: failed, elapsed: elapsed, drain: drainTime,
		calls: calls, entries: entries, maxPerServiceSecond: maxPerServiceSecond, lat: lat, workerCalls: stats.Calls,
		mismatched: mismatched, checked: checked, killMismatched: killMismatched, killChecked: killChecked, killPending: killPending, load: measure.LoadAverage()}
	r.print(os.Stderr)
	if out == "" {
		return nil
	}
	return measure.WriteSection(out, section, r.markdown())
}

// drive makes cfg.ops changes spread evenly over cfg.d from cfg.clients clients: a
// cancellation of one of the client's live bookings (two in five, when it has one)
// or a new booking of a random slot. It returns the changes that committed and the
// bookings refused (a slot full).
func drive(core *booking.Service, l synth.Layout, cfg config) (changes, refused int, err error) {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	interval := cfg.d / time.Duration(cfg.ops)
	start := time.Now()
	for c := range cfg.clients {
		wg.Go(func() {
			var live []string
			rnd := mrand.New(mrand.NewPCG(uint64(c), 42))
			for i := c; i < cfg.ops; i += cfg.clients {
				time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
				ok, id, err := change(core, l, rnd, &live, fmt.Sprintf("c%d-%d", c, i))
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = err
				case ok:
					changes++
				default:
					refused++
				}
				mu.Unlock()
				if id != "" {
					live = append(live, id)
				}
			}
		})
	}
	wg.Wait()
	return changes, refused, firstErr
}

// change makes one change; ok is false for a booking refused because the slot is
// full; id is a new booking's id.
func change(core *booking.Service, l synth.Layout, rnd *mrand.Rand, live *[]string, id string) (ok bool, newID string, err error) {
	ctx := context.Background()
	if len(*live) > 0 && rnd.IntN(5) < 2 {
		k := rnd.IntN(len(*live))
		bid := (*live)[k]
		*live = slices.Delete(*live, k, k+1)
		_, err := core.Update(ctx, &acv3.UpdateBookingRequest{Booking: &acv3.Booking{BookingId: bid, Status: acv3.BookingStatus_CANCELED}})
		return err == nil, "", err
	}
	resp, err := core.Create(ctx, l.CreateRequest(rnd.IntN(l.Params().Slots), id))
	if err != nil {
		return false, "", err
	}
	if resp.GetBooking().GetBookingId() == "" {
		return false, "", nil
	}
	return true, resp.GetBooking().GetBookingId(), nil
}

// drain runs rounds until no window is pending.
func drain(w *notifier.AvailabilityWorker, st *store.Store) error {
	for pendingWindows(st) > 0 {
		if err := w.Round(context.Background()); err != nil {
			return err
		}
	}
	return nil
}

func pendingWindows(st *store.Store) int {
	p, _, err := st.AvailabilityOutbox().Counts(context.Background())
	if err != nil {
		return math.MaxInt
	}
	return p
}

// recordingOutbox records, for every window Google accepted, the time from its
// oldest change to the acceptance.
type recordingOutbox struct {
	store.RTUQueue
	mu  sync.Mutex
	lat []time.Duration
}

func (o *recordingOutbox) Delivered(ctx context.Context, recs []*bsv1.AvailabilityRecord, readAt time.Time) error {
	now := time.Now()
	o.mu.Lock()
	for _, r := range recs {
		o.lat = append(o.lat, now.Sub(time.Unix(0, r.GetFirstChangeUnixNano())))
	}
	o.mu.Unlock()
	return o.RTUQueue.Delivered(ctx, recs, readAt)
}

func (o *recordingOutbox) reset() { o.mu.Lock(); o.lat = nil; o.mu.Unlock() }

func (o *recordingOutbox) latencies() []time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.lat)
	slices.Sort(out)
	return out
}

// fakeGoogle is a local Maps Booking API: an OAuth2 token endpoint and
// availability:replace, which it records (the arrival second of each service in each
// call, and each slot's last spotsOpen).
type fakeGoogle struct {
	*httptest.Server
	mu      sync.Mutex
	calls   int
	entries int
	perSec  map[string]int    // service "\x00" unix second → calls
	lastOpn map[string]string // merchant/service/startTime → spotsOpen
}

func newFakeGoogle() *fakeGoogle {
	g := &fakeGoogle{}
	g.reset()
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"bench","token_type":"Bearer","expires_in":3600}`)
			return
		}
		var body struct {
			Entries []struct {
				MerchantID   string `json:"merchantId"`
				ServiceID    string `json:"serviceId"`
				Availability []struct {
					StartTime string `json:"startTime"`
					SpotsOpen string `json:"spotsOpen"`
				} `json:"availability"`
			} `json:"extendedServiceAvailability"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !strings.HasSuffix(r.URL.Path, "/availability:replace") {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		sec := time.Now().Unix()
		g.mu.Lock()
		g.calls++
		g.entries += len(body.Entries)
		seen := map[string]bool{}
		for _, e := range body.Entries {
			svc := e.MerchantID + "/" + e.ServiceID
			if !seen[svc] {
				seen[svc] = true
				g.perSec[fmt.Sprint(svc, "\x00", sec)]++
			}
			for _, a := range e.Availability {
				g.lastOpn[svc+"/"+a.StartTime] = a.SpotsOpen
			}
		}
		g.mu.Unlock()
		fmt.Fprint(w, `{}`)
	}))
	return g
}

func (g *fakeGoogle) reset() {
	g.mu.Lock()
	g.calls, g.entries, g.perSec = 0, 0, map[string]int{}
	if g.lastOpn == nil {
		g.lastOpn = map[string]string{}
	}
	g.mu.Unlock()
}

func (g *fakeGoogle) figures() (calls, entries, maxPerServiceSecond int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range g.perSec {
		maxPerServiceSecond = max(maxPerServiceSecond, n)
	}
	return g.calls, g.entries, maxPerServiceSecond
}

// compare counts the slots whose last spotsOpen at Google differs from the store's.
func (g *fakeGoogle) compare(st *store.Store) (mismatched, checked int, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	err = st.View(context.Background(), func(tx booking.ReadTx) error {
		for key, open := range g.lastOpn {
			parts := strings.SplitN(key, "/", 3)
			start, err := time.Parse(time.RFC3339, parts[2])
			if err != nil {
				return err
			}
			found := false
			if err := tx.Slots(parts[0], parts[1], start.Unix(), synth.SlotDurationSec, func(s booking.Slot) bool {
				found = true
				if fmt.Sprint(max(s.Open(), 0)) != open {
					mismatched++
				}
				return false
			}); err != nil {
				return err
			}
			if !found {
				return errors.New("slot " + key + " not in the store")
			}
			checked++
		}
		return nil
	})
	return mismatched, checked, err
}

// serviceAccount is a service-account key file whose token_uri is tokenURI.
func serviceAccount(tokenURI string) []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	raw, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "bench@example.iam.gserviceaccount.com",
		"private_key_id": "bench", "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": tokenURI})
	return raw
}

// report is the run's figures.
type report struct {
	cfg                         config
	services, changes, failed   int
	elapsed, drain              time.Duration
	calls, entries              int
	maxPerServiceSecond         int
	lat                         []time.Duration
	workerCalls                 uint64
	mismatched, checked         int
	killMismatched, killChecked int
	killPending                 int
	load                        string
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100].Round(time.Millisecond)
}

func (r report) rows() [][3]string {
	perCall := func(n int) string {
		if r.calls == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(n)/float64(r.calls))
	}
	ok := func(b bool) string {
		if b {
			return "met"
		}
		return "NOT met"
	}
	p99 := pct(r.lat, 99)
	rows := [][3]string{
		{"changes committed (bookings + cancellations)", fmt.Sprintf("%d in %s (%.0f/s); %d bookings refused (slot full)", r.changes, r.elapsed.Round(time.Millisecond), float64(r.changes)/r.elapsed.Seconds(), r.failed), ""},
		{"windows delivered", fmt.Sprint(len(r.lat)), ""},
		{"latency change → Google's 2xx, p50", pct(r.lat, 50).String(), ""},
		{"latency change → Google's 2xx, p99", p99.String(), "< 2s: " + ok(p99 < 2*time.Second)},
		{"latency change → Google's 2xx, max", pct(r.lat, 100).String(), ""},
		{"availability:replace calls", fmt.Sprint(r.calls), ""},
		{"changes per call", perCall(r.changes), ""},
		{"windows (entries) per call", perCall(r.entries), ""},
		{"most calls carrying one service in one second", fmt.Sprint(r.maxPerServiceSecond), "≤ 1: " + ok(r.maxPerServiceSecond <= 1)},
		{"queue empty after the last change", r.drain.Round(time.Millisecond).String(), ""},
		{"slots whose last spotsOpen at Google ≠ the store's", fmt.Sprintf("%d of %d", r.mismatched, r.checked), "0: " + ok(r.mismatched == 0)},
	}
	if r.killMismatched >= 0 {
		rows = append(rows, [3]string{fmt.Sprintf("after kill -9 of a child %s into the same load, and a restart: slots whose last spotsOpen at Google ≠ the store's", r.cfg.kill),
			fmt.Sprintf("%d of %d (%d windows were pending at the restart)", r.killMismatched, r.killChecked, r.killPending), "0 (no change lost): " + ok(r.killMismatched == 0)})
	}
	return rows
}

func (r report) print(w io.Writer) {
	for _, row := range r.rows() {
		fmt.Fprintf(w, "%-52s %-50s %s\n", row[0], row[1], row[2])
	}
}

func (r report) markdown() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nWritten by `make bench-rtu` (`go run ./bench/rtu`); numbers are only comparable within one run.\n\n", section)
	fmt.Fprintf(&b, "- Date: %s\n- Machine: %d CPUs (nproc), %s, load average %s (at the end of the run)\n- Commit: %s\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), measure.CPUModel(), r.load, measure.GitCommit())
	fmt.Fprintf(&b, "- Store: bbolt, %d services (%d merchants × %d), %d slots each of 3 spots; %d bookings and cancellations "+
		"through the booking core (Create, Update to CANCELED) paced evenly over %s by %d clients; the availability worker's defaults "+
		"(rounds ≥ 1 s apart, ≤ 100 windows a call, ≤ 20 calls a round) against a local fake Maps Booking API and token endpoint on loopback, "+
		"all in one process\n- Latency is per delivered window, from its oldest coalesced change (stamped in the change's transaction) "+
		"to Google's 2xx: an upper bound for the window's other changes\n\n", r.services, r.cfg.merchants, r.cfg.perMerchant, r.cfg.slotsPer,
		r.cfg.ops, r.cfg.d, r.cfg.clients)
	b.WriteString("| Figure | Value | Target |\n|---|---|---|\n")
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", row[0], row[1], row[2])
	}
	return []byte(b.String())
}
