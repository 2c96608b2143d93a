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

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/sandbox"
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
	store *store.Store
	core  *booking.Service
	keys  *tenant.Keys
	n     int
}

func newSite(t *testing.T) *site {
	t.Helper()
	st := storetest.New(t)
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
	keys, staff := tenant.NewKeys(st, nil), tenant.NewStaff(st, nil)
	if err := staff.Add(t.Context(), "m1", staffEmail, staffPassword); err != nil {
		t.Fatal(err)
	}
	dash, err := ui.New(ui.Config{Bookings: core, Index: st, Outbox: st.Outbox(), Feeds: st, Keys: keys, Staff: staff,
		Sessions: tenant.NewSessions(st, time.Hour, nil), Settings: st})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: googleUser, BasicPassword: googlePassword, AdminToken: adminToken}},
		server.Deps{Bookings: core, Feeds: st, Keys: keys, Notifications: st.Outbox(), UI: dash})
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
}

func browser(t *testing.T) page {
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
	return page{t: t, ctx: ctx}
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
	if os.Getenv("UPDATE_SCREENSHOTS") != "" {
		if err := os.WriteFile(filepath.Join("..", "docs", name+".png"), png, 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
}

// TestDashboardInBrowser drives the dashboard in headless Chromium as the front desk
// does: sign in, find a booking Google made, mark it a no-show (the fee is charged:
// NO_SHOW_PENALIZED, and Google's notification is queued), refund part of a prepaid
// booking, fail to open another merchant's booking by URL, see a form without its
// CSRF token refused, and log out.
func TestDashboardInBrowser(t *testing.T) {
	s := newSite(t)
	noShow := s.book(t, "m1", "color", feeSlot, true)
	prepaid := s.book(t, "m1", "spa", spaSlot, true)
	other := s.book(t, "m2", "haircut", m2Slot, false)
	p := browser(t)

	p.open(s.url+"/ui/bookings", "#login-title") // not signed in: the login page
	p.screenshot("dashboard-login")
	p.do(chromedp.SendKeys(chromedp.CSS(`input[name=email]`), staffEmail), chromedp.SendKeys(chromedp.CSS(`input[name=password]`), staffPassword))
	if code := p.submit(`.login button[type=submit]`); code != 200 {
		t.Fatalf("sign in: HTTP %d", code)
	}
	if text := p.text(`main`); !strings.Contains(text, "Jane Doe 1") || !strings.Contains(text, "color") || strings.Contains(text, "Jane Doe 3") {
		t.Fatalf("bookings page shows m1's bookings only: %s", text)
	}
	p.screenshot("dashboard-bookings")

	p.submit(`a[href="/ui/bookings/` + noShow + `"]`)
	if text := p.text(`form[action$="/noshow"] p`); !strings.Contains(text, "25.00") {
		t.Errorf("the no-show form shows the fee: %q", text)
	}
	p.submit(`form[action$="/noshow"] button`)
	if status, notes := p.text(`#status`), p.text(`#notifications`); status != "NO_SHOW_PENALIZED" || !strings.Contains(notes, "NO_SHOW_PENALIZED") || !strings.Contains(notes, "PENDING") {
		t.Fatalf("after no-show: status %q, notifications %q", status, notes)
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

	p.open(s.url+"/ui/refunds", "h1")
	p.screenshot("dashboard-refunds")
	p.open(s.url+"/ui/feeds", "h1")
	p.screenshot("dashboard-feeds")
	p.submit(`header button[type=submit]`)               // log out
	p.open(s.url+"/ui/bookings/"+noShow, "#login-title") // the session is gone
}
