package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/notifier/notifiertest"
)

// rtuSlot is one slot as an availability:replace call carried it.
type rtuSlot struct {
	window         [2]string // startTimeRestrict, endTimeRestrict
	startTime      string
	open, total    any
	merchant, serv string
}

// rtuSlots lists the slots of every entry of an availability:replace request.
func rtuSlots(t *testing.T, r notifiertest.InventoryCall) []rtuSlot {
	t.Helper()
	if !strings.HasSuffix(r.Path, "/availability:replace") {
		return nil // a merchant or service RTU
	}
	if r.Method != "POST" || r.Path != "/v1alpha/inventory/partners/4242/availability:replace" {
		t.Fatalf("inventory call %s %s", r.Method, r.Path)
	}
	var out []rtuSlot
	entries, _ := r.Body["extendedServiceAvailability"].([]any)
	for _, e := range entries {
		e := e.(map[string]any)
		avail, ok := e["availability"].([]any)
		if !ok {
			t.Fatalf("entry without availability[]: %v", e)
		}
		for _, a := range avail {
			a := a.(map[string]any)
			out = append(out, rtuSlot{
				window:    [2]string{e["startTimeRestrict"].(string), e["endTimeRestrict"].(string)},
				startTime: a["startTime"].(string), open: a["spotsOpen"], total: a["spotsTotal"],
				merchant: e["merchantId"].(string), serv: e["serviceId"].(string),
			})
		}
	}
	return out
}

// waitSpotsOpen reads inventory calls until one that the fake accepted (2xx) carries
// the slot starting at start with spotsOpen open; it returns the statuses answered to
// the calls that carried it.
func waitSpotsOpen(t *testing.T, api *notifiertest.FakeAPI, start int64, open string) []int {
	t.Helper()
	want := time.Unix(start, 0).UTC().Format(time.RFC3339)
	deadline := time.After(20 * time.Second)
	var statuses []int
	for {
		select {
		case r := <-api.Inventory:
			if r.Auth == "" {
				t.Errorf("inventory call without a bearer token")
			}
			for _, s := range rtuSlots(t, r) {
				if s.startTime == want && s.open == open {
					if s.merchant != "m1" || s.serv != "s1" || s.window[0] > want || s.window[1] <= want || s.total == nil {
						t.Errorf("entry %+v", s)
					}
					if statuses = append(statuses, r.Status); r.Status/100 == 2 {
						return statuses
					}
				}
			}
		case <-deadline:
			t.Fatalf("no availability RTU with %s at spotsOpen %s", want, open)
		}
	}
}

// TestAvailabilityRTUs runs serve with RTUs on against a local Maps Booking API and
// token endpoint: the feed load sends the slot (1 of 1 open); booking the last spot
// sends it at spotsOpen 0, through two 503s that are retried; the cancel sends it
// back at 1; on each store.
func TestAvailabilityRTUs(t *testing.T) {
	eachStore(t, func(t *testing.T, store []string) {
		dir := t.TempDir()
		api, tokens := notifiertest.NewFakeAPI(t), notifiertest.NewTokenServer(t)
		creds := notifiertest.ServiceAccountFile(t, tokens.URL)
		feedDir := filepath.Join(dir, "feeds")
		start := writeOneSlotFeeds(t, feedDir, 1)
		life := serveInProcess(t, serveArgs(store, "--feeds", feedDir, "--auth-user", killUser, "--auth-password", killPassword,
			"--partner-id", "4242", "--maps-booking-url", api.URL, "--google-credentials", creds))
		srv := &serveProcess{base: "http://" + life.httpAddr, client: &http.Client{Timeout: 10 * time.Second}}

		waitSpotsOpen(t, api, start, "1") // the feed load's day window
		waitAtGoogle(t, api, "partners/4242/merchants/m1/services/s1")

		var failed atomic.Int32
		api.SetInventoryStatus(func(int) int {
			if failed.Add(1) <= 2 {
				return 503
			}
			return 200
		})
		var created struct {
			Booking struct {
				BookingID string `json:"booking_id"`
			} `json:"booking"`
		}
		if code, err := srv.post("/v3/CreateBooking", createBody(start, "u1", "tok-1"), &created); err != nil || created.Booking.BookingID == "" {
			t.Fatalf("CreateBooking: %d %v", code, err)
		}
		if got := waitSpotsOpen(t, api, start, "0"); fmt.Sprint(got) != "[503 503 200]" {
			t.Errorf("calls carrying spotsOpen 0 were answered %v, want [503 503 200]", got)
		}

		var updated map[string]any
		body := fmt.Appendf(nil, `{"booking":{"booking_id":%q,"status":"CANCELED"}}`, created.Booking.BookingID)
		if code, err := srv.post("/v3/UpdateBooking", body, &updated); err != nil {
			t.Fatalf("cancel: %d %v", code, err)
		}
		waitSpotsOpen(t, api, start, "1")
	})
}

// waitAtGoogle waits until the fake Maps Booking API holds the merchant or service
// name (created by a merchant or service RTU).
func waitAtGoogle(t *testing.T, api *notifiertest.FakeAPI, name string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if r, ok := api.Resource(name); ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("Google never got %s", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAvailabilityRTUSurvivesKill9: the merchant and service RTUs of the first feed
// load, refused with 503, are still queued when the process is killed with SIGKILL,
// and are delivered after the restart; so is a booking's availability RTU; on each
// store.
func TestAvailabilityRTUSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t, t.TempDir())
	eachStore(t, func(t *testing.T, store []string) { availabilityRTUSurvivesKill9(t, bin, store) })
}

func availabilityRTUSurvivesKill9(t *testing.T, bin string, store []string) {
	dir := t.TempDir()
	api, tokens := notifiertest.NewFakeAPI(t), notifiertest.NewTokenServer(t)
	creds := notifiertest.ServiceAccountFile(t, tokens.URL)
	start := writeOneSlotFeeds(t, filepath.Join(dir, "feeds"), 3)
	// On Postgres what the killed process had in flight is due again when its lease
	// ends (the RTU queues are leased like the outbox): a short one. bbolt ignores it.
	google := []string{"--partner-id", "4242", "--maps-booking-url", api.URL, "--google-credentials", creds, "--outbox-lease", "2s"}

	api.SetInventoryStatus(func(int) int { return 503 })
	srv := startServe(t, bin, store, filepath.Join(dir, "feeds"), google...)
	for r := range api.Inventory { // the merchant's create refused: it is queued
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/merchants") {
			break
		}
	}
	srv.kill(t)
	api.SetInventoryStatus(func(int) int { return 200 })
	srv = startServe(t, bin, store, "", google...)
	if m := waitAtGoogle(t, api, "partners/4242/merchants/m1"); m["merchantName"] != "RTU Salon" {
		t.Errorf("merchant at Google after the restart: %v", m)
	}
	waitAtGoogle(t, api, "partners/4242/merchants/m1/services/s1")
	waitSpotsOpen(t, api, start, "3")

	api.SetInventoryStatus(func(int) int { return 503 })
	var created map[string]any
	if code, err := srv.post("/v3/CreateBooking", createBody(start, "u1", "tok-1"), &created); err != nil {
		t.Fatalf("CreateBooking: %d %v", code, err)
	}
	for r := range api.Inventory { // a call answered 503: the change is queued
		if r.Status == 503 {
			break
		}
	}
	srv.kill(t)

	api.SetInventoryStatus(func(int) int { return 200 })
	srv = startServe(t, bin, store, "", google...)
	defer srv.stop(t)
	waitSpotsOpen(t, api, start, "2")
}

// writeOneSlotFeeds writes merchant m1, service s1 and one slot of spots spots two
// days from now; it returns the slot's start.
func writeOneSlotFeeds(t *testing.T, dir string, spots int) int64 {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := `{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":1700000000}`
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour).Unix()
	files := map[string]string{
		"merchants.json": `{"metadata":` + meta + `,"merchant":[{"merchant_id":"m1","name":"RTU Salon"}]}`,
		"services.json":  `{"metadata":` + meta + `,"service":[{"merchant_id":"m1","service_id":"s1","name":"Haircut","price":{"price_micros":"15000000","currency_code":"USD"}}]}`,
		"availability.json": fmt.Sprintf(`{"metadata":%s,"service_availability":[{"availability":[`+
			`{"merchant_id":"m1","service_id":"s1","start_sec":"%d","duration_sec":"1800","spots_total":"%d","spots_open":"%d"}]}]}`, meta, start, spots, spots),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return start
}
