package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/notifier"
	"github.com/bookingserver/bookingserver/notifier/notifiertest"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// replicaAdmin is the merchant API token of the replica tests.
const replicaAdmin = "replica-admin-token"

// replicaMode is how the replica tests run the store: as on PostgreSQL, or
// serializable-only (--database-serializable-only), as on CockroachDB.
type replicaMode struct {
	name             string
	serializableOnly bool
}

// eachReplicaMode builds the binary once and runs fn as a subtest per replicaMode,
// one after the other: each starts serve processes that load the machine.
func eachReplicaMode(t *testing.T, fn func(t *testing.T, bin string, mode replicaMode)) {
	t.Helper()
	bin := buildBinary(t, t.TempDir())
	for _, mode := range []replicaMode{{"postgres", false}, {"serializable-only", true}} {
		t.Run(mode.name, func(t *testing.T) { fn(t, bin, mode) })
	}
}

// startReplicas starts two serve processes of bin in mode on a fresh schema of the
// Postgres test database, with extra flags; the first loads feeds of killSlots
// slots of spots spots each (writeKillFeeds), whose starts it returns.
func startReplicas(t *testing.T, bin string, mode replicaMode, spots int, extra ...string) ([]*serveProcess, []int64) {
	t.Helper()
	db := []string{"--database-url", storetest.PostgresURL(t)}
	if mode.serializableOnly {
		db = append(db, "--database-serializable-only")
	}
	feeds := filepath.Join(t.TempDir(), "feeds")
	starts := writeKillFeeds(t, feeds, spots)
	args := append([]string{"--admin-token", replicaAdmin}, extra...)
	replicas := []*serveProcess{startServe(t, bin, db, feeds, args...), startServe(t, bin, db, "", args...)}
	want := fmt.Sprintf(`"serializable_only":%t`, mode.serializableOnly)
	for i, p := range replicas {
		if !strings.Contains(p.stderr.String(), want) {
			t.Fatalf("replica %d did not log %s at start:\n%s", i, want, p.stderr.String())
		}
	}
	return replicas, starts
}

// createOn sends CreateBooking to p and returns the booking id ("" for a booking
// failure) and the transport error, if any.
func createOn(p *serveProcess, body []byte) (string, error) {
	var resp struct {
		Booking struct {
			BookingID string `json:"booking_id"`
		} `json:"booking"`
	}
	_, err := p.post("/v3/CreateBooking", body, &resp)
	return resp.Booking.BookingID, err
}

// merchant sends a merchant API call (bearer token) to p and returns the status.
func (p *serveProcess) merchant(path, body string) (int, error) {
	req, err := http.NewRequest("POST", p.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+replicaAdmin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestReplicasShareOneDatabase runs two serve processes on one Postgres database:
// 200 CreateBookings racing for a one-spot slot through both make exactly one
// booking, and a token booked through one replica replays through the other; in
// both modes.
func TestReplicasShareOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary twice")
	}
	eachReplicaMode(t, replicasShareOneDatabase)
}

func replicasShareOneDatabase(t *testing.T, bin string, mode replicaMode) {
	replicas, starts := startReplicas(t, bin, mode, 1)
	defer replicas[1].stop(t)
	defer replicas[0].stop(t)

	const racers = 200
	ids := make([]string, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			id, err := createOn(replicas[i%2], createBody(starts[0], fmt.Sprintf("racer-%d", i), fmt.Sprintf("race-%d", i)))
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	var booked []string
	for _, id := range ids {
		if id != "" {
			booked = append(booked, id)
		}
	}
	if len(booked) != 1 {
		t.Fatalf("%d bookings of a one-spot slot through two replicas: %v", len(booked), booked)
	}

	body := createBody(starts[1], "replayer", "replayed-token")
	first, err := createOn(replicas[0], body)
	if err != nil || first == "" {
		t.Fatalf("create on replica 0: %q %v", first, err)
	}
	if again, err := createOn(replicas[1], body); err != nil || again != first {
		t.Fatalf("replay on replica 1 = %q (%v), want %q", again, err, first)
	}

	// The dashboard is served on Postgres too.
	for i, p := range replicas {
		resp, err := p.client.Get(p.base + "/ui/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `id="login-title"`) {
			t.Errorf("replica %d: GET /ui/login: HTTP %d", i, resp.StatusCode)
		}
	}
}

// TestReplicaKilledUnderLoad: clients book and merchants cancel through two replicas
// with the notifier on in both; one replica is SIGKILLed mid-load and its clients
// move to the other with the same tokens and request ids. The survivor keeps
// serving, every acknowledged booking is there, the slot counts add up, and every
// cancellation reaches Google (a record the dead replica had in flight is delivered
// again, at once, or once its lease expires in serializable-only mode; no other is
// delivered twice); in both modes.
func TestReplicaKilledUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds, runs and kills the binary")
	}
	eachReplicaMode(t, replicaKilledUnderLoad)
}

func replicaKilledUnderLoad(t *testing.T, bin string, mode replicaMode) {
	api, tokens := notifiertest.NewFakeAPI(t), notifiertest.NewTokenServer(t)
	creds := notifiertest.ServiceAccountFile(t, tokens.URL)
	const lease = 3 * time.Second
	notify := []string{"--partner-id", "4242", "--maps-booking-url", api.URL, "--google-credentials", creds, "--outbox-lease", lease.String()}
	replicas, starts := startReplicas(t, bin, mode, killSpots, notify...)
	defer replicas[1].stop(t)

	// Deliveries, counted per booking as they arrive.
	var (
		mu        sync.Mutex
		delivered = map[string]int{}
	)
	go func() {
		for r := range api.Got {
			mu.Lock()
			delivered[filepath.Base(r.Path)]++
			mu.Unlock()
		}
	}()

	type outcome struct {
		slot     int
		body     []byte
		id       string
		canceled bool
	}
	var dead atomic.Bool // replica 0 was killed
	var failovers atomic.Int64
	// call runs fn on the client's replica, or on the survivor once that one is dead.
	call := func(r int, fn func(p *serveProcess) error) error {
		err := fn(replicas[r])
		if err == nil || r == 1 {
			return err
		}
		for !dead.Load() { // failed while being killed: wait for the kill to finish
			time.Sleep(time.Millisecond)
		}
		failovers.Add(1)
		return fn(replicas[1])
	}
	const clients, perClient = 12, 30
	outcomes := make([][]outcome, clients)
	var acked atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range perClient {
				n := c*perClient + i
				o := outcome{slot: n % killSlots, body: createBody(starts[n%killSlots], fmt.Sprintf("user-%d", n), fmt.Sprintf("token-%d", n))}
				err := call(n%2, func(p *serveProcess) (err error) { o.id, err = createOn(p, o.body); return err })
				if err != nil {
					t.Errorf("create %d: %v", n, err)
				}
				if o.id != "" {
					acked.Add(1)
					if n%3 == 0 { // a third are canceled by the merchant, through the other replica
						err := call((n+1)%2, func(p *serveProcess) error {
							code, err := p.merchant("/v1/bookings/"+o.id+":cancel", fmt.Sprintf(`{"request_id":"cancel-%d"}`, n))
							if err == nil && code != 200 {
								err = fmt.Errorf("HTTP %d", code)
							}
							return err
						})
						if err != nil {
							t.Errorf("cancel %d: %v", n, err)
						}
						o.canceled = err == nil
					}
				}
				outcomes[c] = append(outcomes[c], o)
			}
		})
	}
	for acked.Load() < clients*perClient/3 && !t.Failed() {
		time.Sleep(time.Millisecond)
	}
	replicas[0].kill(t)
	dead.Store(true)
	atKill := acked.Load()
	wg.Wait()
	t.Logf("replica 0 killed after %d acknowledged bookings; %d in all, %d calls moved to replica 1", atKill, acked.Load(), failovers.Load())

	survivor := replicas[1]
	live := make([]int, killSlots)
	var cancels []string
	for _, client := range outcomes {
		for _, o := range client {
			if o.id == "" {
				continue
			}
			var status struct {
				BookingStatus string `json:"booking_status"`
			}
			code, err := survivor.post("/v3/GetBookingStatus", fmt.Appendf(nil, `{"booking_id":%q}`, o.id), &status)
			want := "CONFIRMED"
			if o.canceled {
				want = "CANCELED"
				cancels = append(cancels, o.id)
			}
			if err != nil || code != 200 || status.BookingStatus != want {
				t.Errorf("acknowledged booking %s: HTTP %d %q %v, want %s", o.id, code, status.BookingStatus, err, want)
			}
			if !o.canceled {
				live[o.slot]++
			}
		}
	}
	for s, start := range starts {
		open, err := countAvailable(survivor, start)
		if err != nil {
			t.Fatal(err)
		}
		if open+live[s] != killSpots {
			t.Errorf("slot %d: %d open + %d live bookings, want %d", s, open, live[s], killSpots)
		}
	}

	// Every cancellation reaches Google; the records the dead replica held (its
	// leases) are the only ones that may arrive twice.
	deadline := time.Now().Add(lease + 20*time.Second)
	for {
		mu.Lock()
		missing := 0
		for _, id := range cancels {
			if delivered[id] == 0 {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d cancellations never reached Google", missing, len(cancels))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(lease) // anything delivered twice has arrived by now
	mu.Lock()
	defer mu.Unlock()
	twice := 0
	for _, id := range cancels {
		if delivered[id] > 1 {
			twice++
		}
	}
	t.Logf("%d cancellations delivered, %d of them twice (in flight at the kill)", len(cancels), twice)
	if twice > notifier.DefaultBatch { // what one replica holds at once
		t.Errorf("%d cancellations delivered twice: more than the dead replica could hold", twice)
	}
	if bytes.Contains([]byte(survivor.stderr.String()), []byte("repaired")) {
		t.Errorf("reconcile had to repair counts:\n%s", survivor.stderr.String())
	}
}

// countAvailable asks p's CheckAvailability for the open spots of the kill feeds'
// slot at start.
func countAvailable(p *serveProcess, start int64) (int, error) {
	var avail struct {
		CountAvailable int `json:"count_available"`
	}
	body := fmt.Appendf(nil, `{"slot":{"merchant_id":"m1","service_id":"s1","start_sec":"%d","duration_sec":"1800"}}`, start)
	code, err := p.post("/v3/CheckAvailability", body, &avail)
	if err == nil && code != 200 {
		err = fmt.Errorf("CheckAvailability: HTTP %d", code)
	}
	return avail.CountAvailable, err
}

// TestReplicaKilledAfterItsBookings: clients book through one replica, which is
// SIGKILLed mid-load: what it committed in its last milliseconds never went out to
// the other replica's availability cache (it sends every 10 ms). Within seconds of
// the kill the survivor's lookups show every acknowledged booking's spot taken: it
// saw the dead replica's lease-owner lock go and read the counts changed before
// (store/pgdeadreplicas.go). Not in serializable-only mode, where no death is seen
// (no advisory locks) and the survivor's cache may keep the old counts for its TTL.
func TestReplicaKilledAfterItsBookings(t *testing.T) {
	if testing.Short() {
		t.Skip("builds, runs and kills the binary")
	}
	replicas, starts := startReplicas(t, buildBinary(t, t.TempDir()), replicaMode{name: "postgres"}, killSpots)
	defer replicas[1].stop(t)
	survivor := replicas[1]
	// A lookup with no booking under way fills the survivor's cache, which the
	// notifications then keep up to date: nothing else would read the counts again.
	for _, start := range starts {
		if _, err := countAvailable(survivor, start); err != nil {
			t.Fatal(err)
		}
	}

	acked := make([]atomic.Int64, killSlots)
	var total atomic.Int64
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				n := c*1000 + i
				id, err := createOn(replicas[0], createBody(starts[n%killSlots], fmt.Sprintf("user-%d", n), fmt.Sprintf("token-%d", n)))
				if err != nil {
					return // killed
				}
				if id == "" {
					t.Errorf("booking %d failed with spots left", n)
					return
				}
				acked[n%killSlots].Add(1)
				total.Add(1)
			}
		})
	}
	for total.Load() < killSpots && !t.Failed() {
		time.Sleep(time.Millisecond)
	}
	replicas[0].kill(t)
	killed := time.Now()
	wg.Wait()

	const within = 5 * time.Second
	for {
		stale := ""
		for s, start := range starts {
			open, err := countAvailable(survivor, start)
			if err != nil {
				t.Fatal(err)
			}
			if taken := acked[s].Load(); open+int(taken) > killSpots {
				stale += fmt.Sprintf("; slot %d: %d open, %d acknowledged bookings of %d spots", s, open, taken, killSpots)
			}
		}
		if stale == "" {
			break
		}
		if time.Since(killed) > within {
			t.Fatalf("%s after the kill the survivor's lookups miss acknowledged bookings%s", within, stale)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d bookings acknowledged by the killed replica; the survivor's lookups showed them all %s after the kill", total.Load(), time.Since(killed).Round(time.Millisecond))
}

// TestReplicaKilledHoldingLeases: a replica SIGKILLed while it delivers
// notifications, with the default two-minute lease: the other replica delivers
// what the dead one held within seconds (its lease-owner lock ended with its
// session), and no notification reaches Google twice. Serializable-only (no
// advisory locks, a 5 s lease here) it does so once the lease expired.
func TestReplicaKilledHoldingLeases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds, runs and kills the binary")
	}
	eachReplicaMode(t, replicaKilledHoldingLeases)
}

func replicaKilledHoldingLeases(t *testing.T, bin string, mode replicaMode) {
	api, tokens := notifiertest.NewFakeAPI(t), notifiertest.NewTokenServer(t)
	creds := notifiertest.ServiceAccountFile(t, tokens.URL)
	flags := []string{"--partner-id", "4242", "--maps-booking-url", api.URL, "--google-credentials", creds}
	lease, within := 2*time.Minute, 15*time.Second // the default lease; what a dead replica's records wait
	if mode.serializableOnly {
		lease = 5 * time.Second
		within += lease
		flags = append(flags, "--outbox-lease", lease.String())
	}
	replicas, starts := startReplicas(t, bin, mode, killSpots, flags...)
	defer replicas[1].stop(t)

	const bookings = 20
	ids := make([]string, bookings)
	for n := range ids {
		id, err := createOn(replicas[n%2], createBody(starts[n%killSlots], fmt.Sprintf("user-%d", n), fmt.Sprintf("token-%d", n)))
		if err != nil || id == "" {
			t.Fatalf("create %d: %q %v", n, id, err)
		}
		ids[n] = id
	}
	held, release := api.Hold()
	defer release()
	for n, id := range ids { // each replica's notifier takes some and waits on the first it sends
		if code, err := replicas[n%2].merchant("/v1/bookings/"+id+":cancel", fmt.Sprintf(`{"request_id":"cancel-%d"}`, n)); err != nil || code != 200 {
			t.Fatalf("cancel %d: HTTP %d %v", n, code, err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); held() < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications in flight, want one per replica", held())
		}
	}
	replicas[0].kill(t) // its notification in flight never arrives
	killed := time.Now()
	release()

	delivered := map[string]int{}
	for missing := bookings; missing > 0; {
		select {
		case r := <-api.Got:
			if delivered[filepath.Base(r.Path)]++; delivered[filepath.Base(r.Path)] == 1 {
				missing--
			}
		case <-time.After(time.Until(killed.Add(within))):
			t.Fatalf("%d of %d cancellations not delivered %s after the kill (the lease is %s)", missing, bookings, within, lease)
		}
	}
	t.Logf("every cancellation delivered %s after the kill", time.Since(killed).Round(time.Millisecond))
	api.None(t, time.Second)
	for _, id := range ids {
		if delivered[id] != 1 {
			t.Errorf("booking %s: cancellation delivered %d times", id, delivered[id])
		}
	}
}
