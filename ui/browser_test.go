package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feedlog"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/gateways"
	"github.com/bookingserver/bookingserver/payment/sandbox"
	"github.com/bookingserver/bookingserver/payment/secrets"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
	"github.com/bookingserver/bookingserver/tenant"
	"github.com/bookingserver/bookingserver/ui"
)

const (
	googleUser, googlePassword = "google", "s3cret"
	adminToken                 = "admin-token"
	staffEmail, staffPassword  = "desk@salon-one.example", "correct horse battery"
	// Slots of 2030-01-03 (UTC) the tests add.
	feeSlot int64 = 1893664800 // 10:00, m1 "color": 25 USD no-show fee with a saved card
	spaSlot int64 = 1893668400 // 11:00, m1 "spa": 50 USD prepaid
	m2Slot  int64 = 1893672000 // 12:00, m2 "haircut"
)

var feeds = []struct {
	kind bsv1.FeedKind
	data string
}{
	{bsv1.FeedKind_FEED_KIND_MERCHANT, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "merchant":[{"merchant_id":"m2","name":"Salon Two"}]}`},
	{bsv1.FeedKind_FEED_KIND_SERVICE, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "service":[{"merchant_id":"m2","service_id":"haircut","name":"Haircut","price":{"price_micros":"20000000","currency_code":"USD"}},
	  {"merchant_id":"m1","service_id":"spa","name":"Spa","price":{"price_micros":"50000000","currency_code":"USD"},"prepayment_type":"REQUIRED"},
	  {"merchant_id":"m1","service_id":"color","name":"Colour","price":{"price_micros":"80000000","currency_code":"USD"},
	   "no_show_fee":{"fee":{"price_micros":"25000000","currency_code":"USD"},"fee_type":"FIXED_RATE_DEFAULT"}}]}`},
	{bsv1.FeedKind_FEED_KIND_AVAILABILITY, fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "service_availability":[{"availability":[
	  {"merchant_id":"m1","service_id":"color","start_sec":"%d","duration_sec":"3600","spots_total":"9","spots_open":"9"},
	  {"merchant_id":"m1","service_id":"spa","start_sec":"%d","duration_sec":"3600","spots_total":"9","spots_open":"9"},
	  {"merchant_id":"m2","service_id":"haircut","start_sec":"%d","duration_sec":"3600","spots_total":"9","spots_open":"9"}]}]}`, feeSlot, spaSlot, m2Slot)},
}

// site is a running server with the dashboard, two merchants and a staff account of m1.
type site struct {
	url   string
	store store.Backend
	core  *booking.Service
	keys  *tenant.Keys
	n     int
}

// newSite serves the dashboard over st (a fresh bbolt or Postgres store) as `serve`
// wires it: feed loads recorded, gateway accounts sealed under a test key.
func newSite(t *testing.T, st store.Backend) *site {
	t.Helper()
	storetest.LoadFixture(t, st)
	for _, f := range feeds {
		if _, err := st.LoadFeed(t.Context(), f.kind, []byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	core, err := booking.New(booking.Config{Store: st, Processor: sandbox.New(sandbox.Options{}), ParseToken: payment.ParseToken})
	if err != nil {
		t.Fatal(err)
	}
	ds := st.(dashboardStore)
	keys, staff := tenant.NewKeys(ds, nil), tenant.NewStaff(ds, nil)
	if err := staff.Add(t.Context(), "m1", staffEmail, staffPassword); err != nil {
		t.Fatal(err)
	}
	key, err := secrets.NewKey(make([]byte, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	gws, err := gateways.New(gateways.Config{Store: st, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	loads := feedlog.New(st, ds)
	dash, err := ui.New(ui.Config{Bookings: core, Index: ds, Catalog: ds, Outbox: st.Outbox(), RTUs: st.AvailabilityOutbox(), Feeds: loads, FeedLog: loads,
		Gateways: gws, Keys: keys, Staff: staff, Sessions: tenant.NewSessions(ds, time.Hour, nil), Settings: ds})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: googleUser, BasicPassword: googlePassword, AdminToken: adminToken}},
		server.Deps{Bookings: core, Feeds: loads, Keys: keys, Gateways: gws, Notifications: st.Outbox(), UI: dash})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Error(err)
		}
	})
	return &site{url: "http://" + srv.HTTPAddr(), store: st, core: core, keys: keys}
}

// dashboardStore is what both stores keep for the dashboard.
type dashboardStore interface {
	ui.BookingIndex
	ui.Catalog
	feedlog.Log
	tenant.KeyStore
	tenant.StaffStore
	tenant.SessionStore
	tenant.SettingsStore
}

// deliver plays the notifier: every due notification is accepted by Google.
func (s *site) deliver(t *testing.T) {
	t.Helper()
	o := s.store.Outbox()
	for {
		due, err := o.Due(t.Context(), time.Now(), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 0 {
			return
		}
		for _, r := range due {
			if err := o.Delivered(t.Context(), r.GetId()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// book makes a booking through Google's REST API (/v3/CreateBooking) and returns its id.
func (s *site) book(t *testing.T, merchant, service string, start int64, card bool) string {
	t.Helper()
	s.n++
	pay := ""
	if card {
		pay = `,"payment_processing_parameters":{"payment_processor":"stripe","unparsed_payment_method_token":"{\"id\":\"tok_visa\",\"object\":\"token\"}"}`
	}
	body := fmt.Sprintf(`{"slot":{"merchant_id":%q,"service_id":%q,"start_sec":"%d","duration_sec":"3600"},
		"user_information":{"user_id":"u%d","given_name":"Jane","family_name":"Doe %d","email":"jane%d@example.com"},"idempotency_token":"ui-%d"%s}`,
		merchant, service, start, s.n, s.n, s.n, s.n, pay)
	req, _ := http.NewRequest("POST", s.url+"/v3/CreateBooking", strings.NewReader(body))
	req.SetBasicAuth(googleUser, googlePassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Booking struct {
			BookingID string `json:"booking_id"`
		} `json:"booking"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Booking.BookingID == "" {
		t.Fatalf("CreateBooking: %d %s", resp.StatusCode, raw)
	}
	return out.Booking.BookingID
}

// page drives one headless Chromium tab (Debian's chromium package). Without
// chromium the test is skipped, unless BOOKINGSERVER_REQUIRE_BROWSER is set (CI
// installs it).
type page struct {
	t   *testing.T
	ctx context.Context
	// shots: screenshots are written to docs/ (one store's run writes them).
	shots bool
}

func browser(t *testing.T, shots bool) page {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("BOOKINGSERVER_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is required (BOOKINGSERVER_REQUIRE_BROWSER) but not installed")
		}
		t.Skip("no chromium: apt-get install -y chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return page{t: t, ctx: ctx, shots: shots}
}

// do runs steps that load nothing new, or Navigate.
func (p page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// open navigates to url and waits for sel.
func (p page) open(url, sel string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// submit clicks the button sel, waits for the page the form leads to and returns
// its HTTP status.
func (p page) submit(sel string) int64 {
	p.t.Helper()
	resp, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("submit %s: %v", sel, err)
	}
	return resp.Status
}

// text is the text of the element sel.
func (p page) text(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// screenshot saves the page as docs/<name>.png when UPDATE_SCREENSHOTS is set (the
// README shows them); it is taken anyway, so a page that cannot render fails.
func (p page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if p.shots && os.Getenv("UPDATE_SCREENSHOTS") != "" {
		if err := os.WriteFile(filepath.Join("..", "docs", name+".png"), png, 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
}

// focused reports whether the focused element matches sel.
func (p page) focused(sel string) bool {
	p.t.Helper()
	ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.activeElement !== null && document.activeElement.matches(%q)`, sel)))
	if err != nil {
		p.t.Fatalf("focus: %v", err)
	}
	return ok
}

// tab presses Tab and checks that the focus lands on sel.
func (p page) tab(sel string) {
	p.t.Helper()
	p.do(chromedp.KeyEvent(kb.Tab))
	if !p.focused(sel) {
		desc, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.activeElement.outerHTML.slice(0, 120)`))
		p.t.Fatalf("Tab: focus on %s, want %s", desc, sel)
	}
}

// tabTo presses Tab until the focus is on sel (the keyboard reaches it), at most 80 times.
func (p page) tabTo(sel string) {
	p.t.Helper()
	for range 80 {
		p.do(chromedp.KeyEvent(kb.Tab))
		if p.focused(sel) {
			return
		}
	}
	p.t.Fatalf("Tab never reaches %s", sel)
}

// enter presses Enter on the focused control, waits for the page it leads to and
// returns its HTTP status.
func (p page) enter() int64 {
	p.t.Helper()
	resp, err := chromedp.RunResponse(p.ctx, chromedp.KeyEvent(kb.Enter))
	if err != nil {
		p.t.Fatalf("Enter: %v", err)
	}
	return resp.Status
}

// TestDashboardInBrowser drives the dashboard in headless Chromium as the front desk
// does, on each store (bbolt, and Postgres when BOOKINGSERVER_TEST_DATABASE_URL is
// set): sign in with the keyboard only, find a booking Google made, filter by
// service, mark a booking a no-show with the keyboard (the fee is charged:
// NO_SHOW_PENALIZED, and Google's notification is queued, then shown delivered),
// refund part of a prepaid booking, fail to open another merchant's booking by URL,
// see a form without its CSRF token refused, read the availability of a week, set a
// gateway account whose secrets are never shown back, upload feeds and see their
// problems and the last loads, switch the dashboard to French, and log out. The
// bbolt run writes the screenshots (UPDATE_SCREENSHOTS=1).
func TestDashboardInBrowser(t *testing.T) {
	for _, impl := range storetest.Stores {
		t.Run(impl.Name, func(t *testing.T) {
			dashboardInBrowser(t, newSite(t, impl.New(t)), browser(t, impl.Name == "bbolt"))
		})
	}
}

func dashboardInBrowser(t *testing.T, s *site, p page) {
	noShow := s.book(t, "m1", "color", feeSlot, true)
	prepaid := s.book(t, "m1", "spa", spaSlot, true)
	other := s.book(t, "m2", "haircut", m2Slot, false)

	// Sign in with the keyboard alone: the skip link, then the form's fields in order.
	p.open(s.url+"/ui/bookings", "#login-title") // not signed in: the login page
	p.screenshot("dashboard-login")
	p.tab(`a.skip`)
	p.tab(`input[name=email]`)
	p.do(chromedp.KeyEvent(staffEmail))
	p.tab(`input[name=password]`)
	p.do(chromedp.KeyEvent(staffPassword))
	p.tab(`input[name=key]`)
	p.tab(`.login button[type=submit]`)
	if code := p.enter(); code != 200 {
		t.Fatalf("sign in: HTTP %d", code)
	}
	if text := p.text(`main`); !strings.Contains(text, "Jane Doe 1") || !strings.Contains(text, "color") || strings.Contains(text, "Jane Doe 3") {
		t.Fatalf("bookings page shows m1's bookings only: %s", text)
	}
	p.screenshot("dashboard-bookings")

	// The service filter lists m1's services by name.
	if opts := p.text(`select[name=service]`); !strings.Contains(opts, "Colour (color)") || !strings.Contains(opts, "Spa (spa)") {
		t.Errorf("service choices: %q", opts)
	}
	p.do(chromedp.SetValue(chromedp.CSS(`select[name=service]`), "spa"))
	p.submit(`form.filters button[type=submit]`)
	if text := p.text(`tbody`); !strings.Contains(text, "Jane Doe 2") || strings.Contains(text, "Jane Doe 1") {
		t.Errorf("bookings of spa: %q", text)
	}

	// Mark the no-show with the keyboard.
	p.open(s.url+"/ui/bookings/"+noShow, `form[action$="/noshow"]`)
	if text := p.text(`form[action$="/noshow"] p`); !strings.Contains(text, "25.00") {
		t.Errorf("the no-show form shows the fee: %q", text)
	}
	p.tabTo(`form[action$="/noshow"] button`)
	p.enter()
	if status, notes := p.text(`#status`), p.text(`#notifications`); status != "NO_SHOW_PENALIZED" || !strings.Contains(notes, "NO_SHOW_PENALIZED") || !strings.Contains(notes, "PENDING") {
		t.Fatalf("after no-show: status %q, notifications %q", status, notes)
	}
	s.deliver(t) // Google accepts it: it stays listed, delivered
	p.open(s.url+"/ui/bookings/"+noShow, `#notifications`)
	if notes := p.text(`#notifications`); !strings.Contains(notes, "NO_SHOW_PENALIZED") || !strings.Contains(notes, "DELIVERED") || strings.Contains(notes, "PENDING") {
		t.Errorf("after delivery: notifications %q", notes)
	}
	if rtu := p.text(`#rtu`); !strings.Contains(rtu, "PENDING") {
		t.Errorf("the availability update of the freed spot: %q", rtu)
	}
	p.screenshot("dashboard-booking")

	p.open(s.url+"/ui/bookings/"+prepaid, `form[action$="/refund"]`)
	p.do(chromedp.SetValue(chromedp.CSS(`form[action$="/refund"] input[name=amount]`), "20.00"),
		chromedp.SendKeys(chromedp.CSS(`form[action$="/refund"] input[name=reason]`), "goodwill"))
	p.submit(`form[action$="/refund"] button`)
	if refunded, left := p.text(`#refunded`), p.text(`form[action$="/refund"] p`); !strings.Contains(refunded, "20.00") || !strings.Contains(left, "30.00") {
		t.Errorf("after a 20.00 refund of 50.00: refunded %q, form %q", refunded, left)
	}
	// More than what is left is refused with the reason.
	p.do(chromedp.SetValue(chromedp.CSS(`form[action$="/refund"] input[name=amount]`), "31.00"))
	p.submit(`form[action$="/refund"] button`)
	if text := p.text(`.notice.bad`); !strings.Contains(text, "exceeds") {
		t.Errorf("over-refund: %q", text)
	}

	// Another merchant's booking does not exist for m1's staff.
	p.open(s.url+"/ui/bookings/"+other, "h1")
	if text := p.text(`main`); !strings.Contains(text, "No such booking") || strings.Contains(text, "Jane") {
		t.Errorf("m2's booking by URL: %q", text)
	}

	// A form without its CSRF token is refused and changes nothing.
	p.open(s.url+"/ui/bookings/"+prepaid, `form[action$="/cancel"]`)
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](`document.querySelector('form[action$="/cancel"] input[name=csrf]').remove()`)); err != nil {
		t.Fatal(err)
	}
	if code := p.submit(`form[action$="/cancel"] button`); code != 403 || !strings.Contains(p.text("body"), "CSRF") {
		t.Errorf("form without its CSRF token: HTTP %d %q", code, p.text("body"))
	}
	if rec, err := s.core.Get(t.Context(), prepaid); err != nil || rec.GetBooking().GetStatus().String() != "CONFIRMED" {
		t.Errorf("after a refused cancel: %v %v", rec.GetBooking().GetStatus(), err)
	}

	// Availability at a glance: the week of 2030-01-03, spa's 9 spots less the prepaid booking.
	p.open(s.url+"/ui/availability?day=2030-01-03", "#availability")
	if text := p.text(`#availability`); !strings.Contains(text, "Spa (spa)") || !strings.Contains(text, "8 / 9") || strings.Contains(text, "Salon Two") {
		t.Errorf("availability: %q", text)
	}
	p.screenshot("dashboard-availability")

	// Gateway settings: secrets go in and only "set" comes back.
	p.open(s.url+"/ui/gateways", "#gateway-stripe")
	p.do(chromedp.SendKeys(chromedp.CSS(`#gateway-stripe input[name=secret_key]`), "sk_test_dashboard"),
		chromedp.SendKeys(chromedp.CSS(`#gateway-stripe input[name=webhook_secret]`), "whsec_dashboard"))
	p.submit(`#gateway-stripe button`)
	html, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	if form := p.text(`#gateway-stripe`); !strings.Contains(p.text(`.notice.ok`), "stripe") || !strings.Contains(form, "(set)") ||
		strings.Contains(html, "sk_test_dashboard") || strings.Contains(html, "whsec_dashboard") {
		t.Errorf("after saving the Stripe account: %q", form)
	}
	p.screenshot("dashboard-gateways")

	// Feeds: a refused upload lists its problems; both loads are listed with who made them.
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.json"), filepath.Join(dir, "good.json")
	if err := os.WriteFile(bad, []byte(`{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000002"},
	 "service":[{"merchant_id":"m1","name":"No id"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte(`{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000003"},
	 "service":[{"merchant_id":"m1","service_id":"nails","name":"Nails","price":{"price_micros":"30000000","currency_code":"USD"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{bad, good} {
		p.open(s.url+"/ui/feeds", `form[action="/ui/feeds"]`)
		p.do(chromedp.SetValue(chromedp.CSS(`select[name=kind]`), "service"), chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{f}))
		p.submit(`form[action="/ui/feeds"] button`)
		if f == bad {
			if text := p.text(`#problems`); !strings.Contains(text, "service_id") {
				t.Errorf("problems of the refused feed: %q", text)
			}
		}
	}
	if loads := p.text(`#loads`); strings.Count(loads, staffEmail) != 2 || !strings.Contains(loads, "refused") || !strings.Contains(loads, "applied") {
		t.Errorf("last loads: %q", loads)
	}
	p.screenshot("dashboard-feeds")

	// In French, with times in Paris and money as French staff write it.
	p.open(s.url+"/ui/settings", `form[action="/ui/settings"]`)
	p.do(chromedp.SetValue(chromedp.CSS(`input[name=time_zone]`), "Europe/Paris"), chromedp.SetValue(chromedp.CSS(`select[name=locale]`), "fr"))
	p.submit(`form[action="/ui/settings"] button`)
	p.open(s.url+"/ui/bookings/"+prepaid, "h1")
	if h1, refunded, status := p.text("h1"), p.text("#refunded"), p.text("#status"); !strings.Contains(h1, "Réservation") || !strings.Contains(refunded, "20,00") ||
		status != "confirmée" || !strings.Contains(p.text("main"), "12:00") {
		t.Errorf("in French and Paris time: %q, refunded %q, status %q", h1, refunded, status)
	}
	p.screenshot("dashboard-booking-fr")

	p.open(s.url+"/ui/refunds", "h1")
	p.screenshot("dashboard-refunds")
	p.submit(`header button[type=submit]`)               // log out
	p.open(s.url+"/ui/bookings/"+noShow, "#login-title") // the session is gone
}
