// Package ui is the merchant staff's dashboard at /ui/: server-rendered pages
// (html/template, templates and stylesheet embedded, no script) over the same core
// calls as the merchant API. It is another adapter: every change goes through
// booking.Service (or the outbox and feed loader the API uses too), in the scope of
// the session's merchant, so the core's tenancy checks apply unchanged.
package ui

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/text/language"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/tenant"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// BookingIndex lists a merchant's bookings by slot start (store.Store implements it).
type BookingIndex interface {
	// MerchantBookings calls fn with the merchant's bookings whose slot starts in
	// [fromSec, toSec), in start order (newest first when desc), resuming after cursor
	// (a value passed to fn before, valid only during that call; empty starts at the
	// range's edge); fn returns false to stop.
	MerchantBookings(ctx context.Context, merchantID string, fromSec, toSec int64, desc bool, cursor []byte,
		fn func(rec *bsv1.BookingRecord, cursor []byte) bool) error
}

// Outbox is the notification outbox as the dashboard shows it (store.Queue has it).
type Outbox interface {
	ListDead(ctx context.Context) ([]*bsv1.OutboxRecord, error)
	BookingHistory(ctx context.Context, bookingID string) ([]*bsv1.OutboxRecord, error)
	Retry(ctx context.Context, id uint64) (*bsv1.OutboxRecord, error)
}

// FeedLoader validates and applies one uploaded feed (store.Store.LoadFeed, through
// feedlog.Recorder so that the load is listed).
type FeedLoader interface {
	LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (store.LoadSummary, error)
}

// FeedLog lists a merchant's last feed loads, newest first (feedlog.Recorder).
type FeedLog interface {
	Loads(ctx context.Context, merchantID string) ([]*bsv1.FeedLoadRecord, error)
}

// Catalog is the merchant's services and slots as the feeds made them (both stores).
type Catalog interface {
	// MerchantServices returns the merchant's services in id order.
	MerchantServices(ctx context.Context, merchantID string) ([]*acv3.Service, error)
	// MerchantSlots calls fn with the slots of the merchant's services starting in
	// [fromSec, toSec), with their live bookings; fn returns false to stop.
	MerchantSlots(ctx context.Context, merchantID string, fromSec, toSec int64, fn func(serviceID string, slot booking.Slot) bool) error
}

// RTUs lists the availability updates waiting for Google or refused by it
// (store.RTUQueue.List).
type RTUs interface {
	List(ctx context.Context) ([]*bsv1.AvailabilityRecord, error)
}

// GatewayAccounts stores and shows the merchants' payment gateway accounts, secrets
// write-only (payment/gateways.Registry).
type GatewayAccounts interface {
	Set(ctx context.Context, merchantID, gateway string, values map[string]string) (*bsv1.GatewayAccountView, error)
	Get(ctx context.Context, merchantID, gateway string) (*bsv1.GatewayAccountView, error)
}

// Config is what the dashboard needs. Catalog, FeedLog, RTUs and Gateways may be nil:
// their pages then say the server does not have them.
type Config struct {
	Bookings *booking.Service
	Index    BookingIndex
	Catalog  Catalog
	Outbox   Outbox
	RTUs     RTUs
	Feeds    FeedLoader
	FeedLog  FeedLog
	Gateways GatewayAccounts
	Keys     *tenant.Keys
	Staff    *tenant.Staff
	Sessions *tenant.Sessions
	Settings tenant.SettingsStore
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// UI serves the dashboard.
type UI struct {
	cfg Config
	// pages are the parsed pages by language, then by name.
	pages  map[language.Tag]map[string]*template.Template
	logins *limiter
	mux    *http.ServeMux
}

// New parses the templates and builds the routes.
func New(cfg Config) (*UI, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	u := &UI{cfg: cfg, pages: map[language.Tag]map[string]*template.Template{}, logins: newLimiter(10, 15*time.Minute, cfg.Now), mux: http.NewServeMux()}
	for _, page := range []string{"login", "bookings", "booking", "availability", "refunds", "notifications", "feeds", "gateways", "settings"} {
		base, err := template.New("layout.html").Funcs(template.FuncMap{"t": fmt.Sprintf}).ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, err
		}
		for _, tag := range languages {
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if u.pages[tag] == nil {
				u.pages[tag] = map[string]*template.Template{}
			}
			u.pages[tag][page] = t.Funcs(template.FuncMap{"t": translator(tag)})
		}
	}
	static, _ := fs.Sub(staticFS, "static")
	u.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	u.mux.HandleFunc("GET /ui/login", u.loginPage)
	u.mux.HandleFunc("POST /ui/login", u.login)
	u.mux.Handle("POST /ui/logout", u.session(u.logout))
	u.mux.Handle("GET /ui/{$}", http.RedirectHandler("/ui/bookings", http.StatusSeeOther))
	u.mux.Handle("GET /ui/bookings", u.session(u.bookingsPage))
	u.mux.Handle("GET /ui/bookings/{id}", u.session(u.bookingPage))
	u.mux.Handle("POST /ui/bookings/{id}/{action}", u.session(u.bookingAction))
	u.mux.Handle("GET /ui/availability", u.session(u.availabilityPage))
	u.mux.Handle("GET /ui/refunds", u.session(u.refundsPage))
	u.mux.Handle("GET /ui/notifications", u.session(u.notificationsPage))
	u.mux.Handle("POST /ui/notifications/{id}/retry", u.session(u.retryNotification))
	u.mux.Handle("GET /ui/feeds", u.session(u.feedsPage))
	u.mux.Handle("POST /ui/feeds", u.session(u.uploadFeed))
	u.mux.Handle("GET /ui/gateways", u.session(u.gatewaysPage))
	u.mux.Handle("POST /ui/gateways/{gateway}", u.session(u.saveGateway))
	u.mux.Handle("GET /ui/settings", u.session(u.settingsPage))
	u.mux.Handle("POST /ui/settings", u.session(u.saveSettings))
	return u, nil
}

// ServeHTTP serves /ui/ with headers that keep the pages from being framed, sniffed,
// cached or made to load anything from elsewhere.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	u.mux.ServeHTTP(w, r)
}

// render writes a page in the caller's language; data's Page fields are filled in
// from the request.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	tag := languageOf(r)
	data["Page"], data["Lang"] = page, tag.String()
	if s := sessionOf(r.Context()); s != nil {
		data["Session"] = s.rec
		data["Settings"] = s.settings
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", tag.String())
	w.WriteHeader(status)
	if err := u.pages[tag][page].Execute(w, data); err != nil {
		slog.ErrorContext(r.Context(), "render dashboard page", "page", page, "err", err)
	}
}
