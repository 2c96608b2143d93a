package ui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
	"github.com/bookingserver/bookingserver/tenant"
	"github.com/bookingserver/bookingserver/ui"
)

// TestLoginLimitsAndExpiry: after 10 failed logins from one address the right
// password is refused too (429) until the window passes; a session ends when it
// expires; the session cookie is HttpOnly and SameSite=Strict; on each store.
func TestLoginLimitsAndExpiry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, loginLimitsAndExpiry)
}

func loginLimitsAndExpiry(t *testing.T, st store.Backend) {
	ds := st.(dashboardStore)
	now := time.Unix(1_900_000_000, 0)
	clock := func() time.Time { return now }
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	staff := tenant.NewStaff(ds, clock)
	if err := staff.Add(t.Context(), "m1", staffEmail, staffPassword); err != nil {
		t.Fatal(err)
	}
	dash, err := ui.New(ui.Config{Bookings: core, Index: ds, Catalog: ds, Outbox: st.Outbox(), Feeds: st, Keys: tenant.NewKeys(ds, clock),
		Staff: staff, Sessions: tenant.NewSessions(ds, time.Hour, clock), Settings: ds, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	login := func(password string) *http.Response {
		w := httptest.NewRecorder()
		dash.ServeHTTP(w, httptest.NewRequest("GET", "/ui/login", nil))
		token := w.Result().Cookies()[0].Value
		form := url.Values{"csrf": {token}, "email": {staffEmail}, "password": {password}}
		req := httptest.NewRequest("POST", "/ui/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "bs_login", Value: token})
		w = httptest.NewRecorder()
		dash.ServeHTTP(w, req)
		return w.Result()
	}
	page := func(c *http.Cookie) int {
		req := httptest.NewRequest("GET", "/ui/bookings", nil)
		req.AddCookie(c)
		w := httptest.NewRecorder()
		dash.ServeHTTP(w, req)
		return w.Code
	}

	resp := login(staffPassword)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "bs_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", session)
	}
	if code := page(session); code != 200 {
		t.Fatalf("bookings page: %d", code)
	}
	now = now.Add(time.Hour)
	if code := page(session); code != http.StatusSeeOther {
		t.Errorf("expired session: %d, want the login page", code)
	}

	for range 10 {
		if code := login("wrong password").StatusCode; code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code := login(staffPassword).StatusCode; code != http.StatusTooManyRequests {
		t.Errorf("11th attempt: %d, want 429", code)
	}
	now = now.Add(15 * time.Minute)
	if code := login(staffPassword).StatusCode; code != http.StatusSeeOther {
		t.Errorf("after the window: %d", code)
	}
}
