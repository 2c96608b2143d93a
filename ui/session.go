package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/tenant"
)

// Cookie names. The session cookie is HttpOnly and SameSite=Strict (Secure under
// TLS); the login cookie carries the login form's CSRF token before there is a session.
const (
	sessionCookie = "bs_session"
	loginCookie   = "bs_login"
)

// session is the signed-in caller of a request.
type session struct {
	rec      *bsv1.SessionRecord
	settings *bsv1.MerchantSettingsRecord
	loc      *time.Location
	// lang is the merchant's language setting, else the browser's.
	lang language.Tag
}

type sessionKey struct{}

func sessionOf(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// session wraps a page that needs a signed-in caller: without a live session a GET
// goes to the login page and anything else is refused; a POST needs the session's
// CSRF token. The request's context carries the merchant's booking.Scope, so the core
// sees this merchant's records only.
func (u *UI) session(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie(sessionCookie)
		var value string
		if c != nil {
			value = c.Value
		}
		rec, err := u.cfg.Sessions.Get(r.Context(), value)
		if err != nil {
			if !errors.Is(err, booking.ErrNotFound) {
				slog.ErrorContext(r.Context(), "read dashboard session", "err", err)
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			if err := tenant.CheckCSRF(rec, r.PostFormValue("csrf")); err != nil {
				http.Error(w, "refused: "+err.Error(), http.StatusForbidden)
				return
			}
		}
		s := &session{rec: rec, settings: &bsv1.MerchantSettingsRecord{}, loc: time.UTC}
		if st, err := u.cfg.Settings.MerchantSettings(r.Context(), rec.GetMerchantId()); err == nil {
			s.settings = st
			if loc, err := time.LoadLocation(st.GetTimeZone()); err == nil {
				s.loc = loc
			}
		}
		s.lang = match(r.Header.Get("Accept-Language"))
		if l := s.settings.GetLocale(); l != "" {
			s.lang = match(l)
		}
		ctx := booking.WithScope(context.WithValue(r.Context(), sessionKey{}, s), booking.MerchantScope(rec.GetMerchantId()))
		next(w, r.WithContext(ctx))
	})
}

// loginPage shows the login form with a fresh CSRF token in a cookie of its own.
func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.renderLogin(w, r, http.StatusOK, "")
}

func (u *UI) renderLogin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/ui/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: 3600})
	u.render(w, r, status, "login", map[string]any{"CSRF": token, "Problem": problem})
}

// login signs in with a merchant key or a staff account. Attempts are limited per
// client address and per account; every failure says the same thing.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Cookie(loginCookie)
	if c == nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 || c.Value == "" {
		http.Error(w, "refused: missing or wrong CSRF token", http.StatusForbidden)
		return
	}
	email, password, key := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("key"))
	account := "key"
	if key == "" {
		account = strings.ToLower(email)
	}
	host := clientHost(r)
	if !u.logins.allow(host) || !u.logins.allow(account) {
		u.renderLogin(w, r, http.StatusTooManyRequests, "Too many attempts. Wait a few minutes and try again.")
		return
	}
	var merchantID, who string
	if key != "" {
		rec, err := u.cfg.Keys.Verify(r.Context(), key)
		if err == nil {
			merchantID, who = rec.GetMerchantId(), "key "+rec.GetKeyId()
		}
	} else if u.cfg.Staff != nil {
		rec, err := u.cfg.Staff.Check(r.Context(), email, password)
		if err == nil {
			merchantID, who = rec.GetMerchantId(), rec.GetEmail()
		}
	}
	if merchantID == "" {
		u.logins.fail(host)
		u.logins.fail(account)
		u.renderLogin(w, r, http.StatusUnauthorized, "Wrong key, email or password.")
		return
	}
	value, _, err := u.cfg.Sessions.Start(r.Context(), merchantID, who)
	if err != nil {
		slog.ErrorContext(r.Context(), "start dashboard session", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/ui/", MaxAge: -1})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/ui/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/ui/bookings", http.StatusSeeOther)
}

// logout ends the session.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if c, _ := r.Cookie(sessionCookie); c != nil {
		if err := u.cfg.Sessions.End(r.Context(), c.Value); err != nil {
			slog.ErrorContext(r.Context(), "end dashboard session", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/ui/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

// clientHost is the caller's address without the port.
func clientHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// randomToken returns 32 random bytes, base64url.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// limiter counts failed logins per key (client address, account) in a fixed window:
// after max failures the key is refused until the window ends.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	fails  map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(max int, w time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: w, now: now, fails: map[string]*window{}}
}

// allow reports whether key may try again.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.fails[key]
	if w == nil {
		return true
	}
	if l.now().Sub(w.start) >= l.window {
		delete(l.fails, key)
		return true
	}
	return w.n < l.max
}

// fail counts a failed attempt of key; old windows are dropped as they are met, and
// all of them when the map grows large, so an attacker cannot grow it without bound.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) > 100_000 {
		for k, w := range l.fails {
			if now.Sub(w.start) >= l.window {
				delete(l.fails, k)
			}
		}
	}
	w := l.fails[key]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &window{start: now}
		l.fails[key] = w
	}
	w.n++
}
