package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// killSlots are the kill test's slots: a few, of several spots each, so that the load
// fills some of them while the process dies.
const (
	killSlots    = 4
	killSpots    = 60
	killUser     = "google"
	killPassword = "kill-test-password"
)

// TestKill9 runs the built binary, books concurrently over REST, SIGKILLs it mid-load,
// restarts it on the same data file (or database) and checks that no acknowledged
// booking is lost, that every slot's open spots plus its live bookings equal its
// capacity, and that an acknowledged idempotency token still answers with its
// booking; on each store.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t, t.TempDir())
	eachStore(t, func(t *testing.T, store []string) { kill9(t, bin, store) })
}

func kill9(t *testing.T, bin string, store []string) {
	dir := t.TempDir()
	starts := writeKillFeeds(t, filepath.Join(dir, "feeds"), killSpots)

	// First life: load until killed.
	srv := startServe(t, bin, store, filepath.Join(dir, "feeds"))
	type attempt struct {
		slot int
		body []byte
		id   string // booking id when acknowledged
	}
	const clients, perClient = 16, 40
	attempts := make([][]attempt, clients)
	var acked atomic.Int64
	killAt := int64(killSlots * killSpots / 3)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range perClient {
				n := c*perClient + i
				a := attempt{slot: n % killSlots}
				a.body = createBody(starts[a.slot], fmt.Sprintf("user-%d", n), fmt.Sprintf("token-%d", n))
				var resp struct {
					Booking struct {
						BookingID string `json:"booking_id"`
					} `json:"booking"`
				}
				if code, err := srv.post("/v3/CreateBooking", a.body, &resp); err == nil && code == 200 {
					a.id = resp.Booking.BookingID
					if a.id != "" {
						acked.Add(1)
					}
				}
				attempts[c] = append(attempts[c], a)
			}
		})
	}
	for acked.Load() < killAt && time.Since(srv.started) < 30*time.Second {
		time.Sleep(time.Millisecond)
	}
	srv.kill(t)
	wg.Wait()
	var all []attempt
	for _, as := range attempts {
		all = append(all, as...)
	}
	nAcked := 0
	for _, a := range all {
		if a.id != "" {
			nAcked++
		}
	}
	if nAcked == 0 {
		t.Fatal("no booking acknowledged before the kill")
	}
	t.Logf("killed after %d acknowledged bookings of %d attempts", nAcked, len(all))

	// Second life: everything acknowledged is there and counts add up.
	srv = startServe(t, bin, store, "")
	defer srv.stop(t)
	live := make([]int, killSlots) // live bookings per slot, from every user who tried
	for n, a := range all {
		var status struct {
			BookingStatus string `json:"booking_status"`
		}
		if a.id != "" {
			code, err := srv.post("/v3/GetBookingStatus", fmt.Appendf(nil, `{"booking_id":%q}`, a.id), &status)
			if err != nil || code != 200 || status.BookingStatus != "CONFIRMED" {
				t.Errorf("acknowledged booking %s: HTTP %d %q %v", a.id, code, status.BookingStatus, err)
			}
		}
		var list struct {
			Bookings []struct {
				BookingID string `json:"booking_id"`
			} `json:"bookings"`
		}
		if code, err := srv.post("/v3/ListBookings", fmt.Appendf(nil, `{"user_id":"user-%d"}`, n), &list); err != nil || code != 200 {
			t.Fatalf("ListBookings: HTTP %d %v", code, err)
		}
		if len(list.Bookings) > 1 {
			t.Errorf("user-%d holds %d bookings from one token", n, len(list.Bookings))
		}
		if a.id != "" && (len(list.Bookings) != 1 || list.Bookings[0].BookingID != a.id) {
			t.Errorf("user-%d: bookings %v, want [%s]", n, list.Bookings, a.id)
		}
		live[a.slot] += len(list.Bookings)
	}
	for s, start := range starts {
		var avail struct {
			CountAvailable int `json:"count_available"`
		}
		body := fmt.Appendf(nil, `{"slot":{"merchant_id":"m1","service_id":"s1","start_sec":"%d","duration_sec":"1800"}}`, start)
		if code, err := srv.post("/v3/CheckAvailability", body, &avail); err != nil || code != 200 {
			t.Fatalf("CheckAvailability: HTTP %d %v", code, err)
		}
		if avail.CountAvailable+live[s] != killSpots {
			t.Errorf("slot %d: %d open + %d live bookings, want %d", s, avail.CountAvailable, live[s], killSpots)
		}
	}
	// A replay of an acknowledged token answers with the same booking.
	replayed := 0
	for _, a := range all {
		if a.id == "" || replayed == 5 {
			continue
		}
		replayed++
		var resp struct {
			Booking struct {
				BookingID string `json:"booking_id"`
			} `json:"booking"`
		}
		if code, err := srv.post("/v3/CreateBooking", a.body, &resp); err != nil || code != 200 || resp.Booking.BookingID != a.id {
			t.Errorf("replay: HTTP %d booking %q, want %q (%v)", code, resp.Booking.BookingID, a.id, err)
		}
	}
	if log := srv.stderr.String(); bytes.Contains([]byte(log), []byte("repaired")) {
		t.Errorf("start-up reconcile had to repair counts:\n%s", log)
	}
}

// buildBinary builds bookingserver into dir and returns its path.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "bookingserver")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeKillFeeds writes one merchant, one service and killSlots slots of spots
// spots each, starting two days from now; it returns the slots' starts.
func writeKillFeeds(t *testing.T, dir string, spots int) []int64 {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := `{"processing_instruction":"PROCESS_AS_COMPLETE","shard_number":0,"total_shards":1,"generation_timestamp":1700000000}`
	base := time.Now().Add(48 * time.Hour).Truncate(time.Hour).Unix()
	var starts []int64
	var slots bytes.Buffer
	for i := range killSlots {
		starts = append(starts, base+int64(i)*3600)
		if i > 0 {
			slots.WriteString(",")
		}
		fmt.Fprintf(&slots, `{"merchant_id":"m1","service_id":"s1","start_sec":"%d","duration_sec":"1800","spots_total":"%d","spots_open":"%d"}`,
			starts[i], spots, spots)
	}
	files := map[string]string{
		"merchants.json":    `{"metadata":` + meta + `,"merchant":[{"merchant_id":"m1","name":"Kill Test Salon"}]}`,
		"services.json":     `{"metadata":` + meta + `,"service":[{"merchant_id":"m1","service_id":"s1","name":"Haircut","price":{"price_micros":"15000000","currency_code":"USD"}}]}`,
		"availability.json": `{"metadata":` + meta + `,"service_availability":[{"availability":[` + slots.String() + `]}]}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return starts
}

func createBody(start int64, user, token string) []byte {
	return fmt.Appendf(nil, `{"slot":{"merchant_id":"m1","service_id":"s1","start_sec":"%d","duration_sec":"1800"},`+
		`"user_information":{"user_id":%q,"email":"%s@example.com"},"idempotency_token":%q}`, start, user, user, token)
}

// serveProcess is one life of `bookingserver serve`.
type serveProcess struct {
	cmd     *exec.Cmd
	base    string
	stderr  *syncBuffer
	exited  chan struct{}
	started time.Time
	client  *http.Client
}

// startServe starts serve on the store the store flags select (eachStore; loading
// feeds when not "") with the extra flags and waits until healthy, on ports of its
// choosing (servingAddrs).
func startServe(t *testing.T, bin string, store []string, feeds string, extra ...string) *serveProcess {
	t.Helper()
	args := append([]string{"serve"}, store...)
	args = append(append(args, anyPorts()...), "--auth-user", killUser, "--auth-password", killPassword)
	if feeds != "" {
		args = append(args, "--feeds", feeds)
	}
	args = append(args, extra...)
	p := &serveProcess{
		cmd: exec.Command(bin, args...), stderr: &syncBuffer{},
		exited: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Second},
	}
	p.cmd.Stdout, p.cmd.Stderr = io.Discard, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if p.base == "" {
			if addr, _ := servingAddrs(p.stderr.String()); addr != "" {
				p.base = "http://" + addr
			}
		}
		if p.base != "" {
			resp, err := p.client.Get(p.base + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("serve exited at start:\n%s", p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not healthy after 20 s:\n%s", p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.started = time.Now()
	return p
}

// servingAddrs are the addresses in serve's "serving" log line (JSON, one record a
// line) in stderr, or "" before that line. A test that lets serve choose its ports
// (127.0.0.1:0) reads them here: a port picked free before the process starts can
// be taken by another socket before it binds (seen in CI: "bind: address already
// in use").
func servingAddrs(stderr string) (httpAddr, grpcAddr string) {
	return loggedAttr(stderr, "serving", "http"), loggedAttr(stderr, "serving", "grpc")
}

// loggedAttr is the string attribute key of the first log record msg in logs (JSON,
// one record a line), or "" before that record.
func loggedAttr(logs, msg, key string) string {
	for line := range strings.Lines(logs) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			v, _ := rec[key].(string)
			return v
		}
	}
	return ""
}

// post sends a v3 call with Google's credentials and decodes a 200 answer into out.
func (p *serveProcess) post(path string, body []byte, out any) (int, error) {
	req, err := http.NewRequest("POST", p.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(killUser, killPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != 200 {
		return resp.StatusCode, fmt.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, json.Unmarshal(raw, out)
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serveProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// stop asks for a graceful shutdown (SIGTERM) and waits.
func (p *serveProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Error(err)
	}
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		t.Error("serve did not stop on SIGTERM within 15 s")
	}
}
