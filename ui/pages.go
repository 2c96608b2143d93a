package ui

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feedlog"
	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// refundRow is a booking whose money waits to be returned.
type refundRow struct{ ID, Start, Customer, Status, Amount string }

// refundsPage lists the merchant's bookings with money waiting to be returned (the
// core's refund_due list, scoped to the merchant).
func (u *UI) refundsPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	fm := newFormatter(s)
	recs, err := u.cfg.Bookings.ListByState(r.Context(), "refund_due")
	if err != nil {
		slog.ErrorContext(r.Context(), "list refund_due", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var rows []refundRow
	for _, rec := range recs {
		b, p := rec.GetBooking(), rec.GetPayment()
		rows = append(rows, refundRow{ID: b.GetBookingId(), Start: fm.time(b.GetSlot().GetStartSec()), Customer: customer(b.GetUserInformation()),
			Status: b.GetStatus().String(), Amount: fm.money(p.GetCapturedMicros()-p.GetRefundedMicros(), p.GetCurrency())})
	}
	u.render(w, r, http.StatusOK, "refunds", map[string]any{"Rows": rows})
}

// scopedOutbox returns the records of list that belong to the session's merchant.
func (u *UI) scopedOutbox(r *http.Request, list func(r *http.Request) ([]*bsv1.OutboxRecord, error)) ([]*bsv1.OutboxRecord, error) {
	recs, err := list(r)
	if err != nil {
		return nil, err
	}
	scope := booking.ScopeOf(r.Context())
	var out []*bsv1.OutboxRecord
	for _, o := range recs {
		if scope.Allows(o.GetNotification().GetMerchantId()) {
			out = append(out, o)
		}
	}
	return out, nil
}

// notificationsPage lists the merchant's dead letters (notifications Google refused)
// with a retry each.
func (u *UI) notificationsPage(w http.ResponseWriter, r *http.Request) {
	if u.cfg.Outbox == nil {
		http.Error(w, "no notification outbox", http.StatusServiceUnavailable)
		return
	}
	fm := newFormatter(sessionOf(r.Context()))
	dead, err := u.scopedOutbox(r, func(r *http.Request) ([]*bsv1.OutboxRecord, error) { return u.cfg.Outbox.ListDead(r.Context()) })
	if err != nil {
		slog.ErrorContext(r.Context(), "list dead letters", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	type row struct {
		notificationRow
		BookingID string
	}
	var rows []row
	for _, o := range dead {
		rows = append(rows, row{notificationRow: outboxRow(fm, o), BookingID: o.GetNotification().GetBookingId()})
	}
	u.render(w, r, http.StatusOK, "notifications", map[string]any{"Rows": rows, "Done": r.URL.Query().Get("done")})
}

// retryNotification sends one of the merchant's dead letters again (the outbox's
// Retry, as `bookingserver notify retry` and the API do).
func (u *UI) retryNotification(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || u.cfg.Outbox == nil {
		http.NotFound(w, r)
		return
	}
	dead, err := u.scopedOutbox(r, func(r *http.Request) ([]*bsv1.OutboxRecord, error) { return u.cfg.Outbox.ListDead(r.Context()) })
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	found := false
	for _, o := range dead {
		found = found || o.GetId() == id
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	if _, err := u.cfg.Outbox.Retry(r.Context(), id); err != nil && !errors.Is(err, booking.ErrNotFound) {
		slog.ErrorContext(r.Context(), "retry dead letter", "id", id, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/ui/notifications?done="+strconv.FormatUint(id, 10), http.StatusSeeOther)
}

// feedKinds are the feeds a merchant uploads.
var feedKinds = map[string]bsv1.FeedKind{
	"merchant": bsv1.FeedKind_FEED_KIND_MERCHANT, "service": bsv1.FeedKind_FEED_KIND_SERVICE, "availability": bsv1.FeedKind_FEED_KIND_AVAILABILITY,
}

// feedsPage shows the upload form and the merchant's last loads.
func (u *UI) feedsPage(w http.ResponseWriter, r *http.Request) {
	u.renderFeeds(w, r, http.StatusOK, map[string]any{})
}

// loadRow is one feed load as the feeds page lists it.
type loadRow struct {
	When, Kind, Who, Summary, Took string
	OK                             bool
	Problems                       int32
}

// renderFeeds shows the feeds page with data and the merchant's last loads.
func (u *UI) renderFeeds(w http.ResponseWriter, r *http.Request, status int, data map[string]any) {
	if u.cfg.FeedLog != nil {
		s := sessionOf(r.Context())
		fm := newFormatter(s)
		loads, err := u.cfg.FeedLog.Loads(r.Context(), s.rec.GetMerchantId())
		if err != nil {
			slog.ErrorContext(r.Context(), "list feed loads", "err", err)
		}
		var rows []loadRow
		for _, l := range loads {
			at := time.Unix(0, l.GetAtUnixNano())
			rows = append(rows, loadRow{When: fm.time(at.Unix()) + at.In(fm.loc).Format(":05"), Kind: l.GetKind(), Who: l.GetWho(), Summary: l.GetSummary(),
				Took: (time.Duration(l.GetTookMs()) * time.Millisecond).String(), OK: l.GetOk(), Problems: l.GetProblems()})
		}
		data["Loads"] = rows
	}
	u.render(w, r, status, "feeds", data)
}

// maxUpload bounds a feed uploaded from the dashboard (one merchant's feed).
const maxUpload = 64 << 20

// uploadFeed applies one feed file through the same loader as POST /v1/feeds/{kind},
// in the merchant's scope (another merchant's records are refused), and lists its
// problems by record and field.
func (u *UI) uploadFeed(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	fm := newFormatter(s)
	kind, ok := feedKinds[r.PostFormValue("kind")]
	if !ok || u.cfg.Feeds == nil {
		u.renderFeeds(w, r, http.StatusBadRequest, map[string]any{"Problem": fm.t("choose merchant, service or availability")})
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		u.renderFeeds(w, r, http.StatusBadRequest, map[string]any{"Problem": fm.t("choose a feed file")})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil || len(data) > maxUpload {
		u.renderFeeds(w, r, http.StatusBadRequest, map[string]any{"Problem": fm.t("the file is larger than %d MiB", maxUpload>>20)})
		return
	}
	start := time.Now()
	sum, err := u.cfg.Feeds.LoadFeed(feedlog.WithWho(r.Context(), s.rec.GetWho()), kind, data)
	var ve *feeds.ValidationError
	switch {
	case errors.As(err, &ve):
		u.renderFeeds(w, r, http.StatusBadRequest, map[string]any{"Problems": ve.Problems, "Dropped": ve.Dropped})
	case errors.Is(err, booking.ErrInvalid), errors.Is(err, booking.ErrConflict):
		u.renderFeeds(w, r, http.StatusBadRequest, map[string]any{"Problem": err.Error()})
	case err != nil:
		slog.ErrorContext(r.Context(), "dashboard feed upload", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	default:
		u.renderFeeds(w, r, http.StatusOK, map[string]any{"Summary": sum.String(), "Took": time.Since(start).Round(time.Millisecond).String()})
	}
}

// settingsPage shows the merchant's time zone and language.
func (u *UI) settingsPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "settings", map[string]any{"Locales": locales, "Done": r.URL.Query().Get("done") != ""})
}

// saveSettings stores the merchant's time zone (an IANA name) and language ("" lets
// each browser choose).
func (u *UI) saveSettings(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	tz, lang := strings.TrimSpace(r.PostFormValue("time_zone")), r.PostFormValue("locale")
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		u.render(w, r, http.StatusBadRequest, "settings", map[string]any{"Locales": locales, "Problem": tz})
		return
	}
	if !slices.ContainsFunc(locales, func(l locale) bool { return l.Tag == lang }) {
		lang = ""
	}
	if err := u.cfg.Settings.PutMerchantSettings(r.Context(), s.rec.GetMerchantId(), &bsv1.MerchantSettingsRecord{TimeZone: tz, Locale: lang}); err != nil {
		slog.ErrorContext(r.Context(), "save settings", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/ui/settings?done=1", http.StatusSeeOther)
}
