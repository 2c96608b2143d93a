package ui

import (
	"encoding/hex"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// pageSize is the number of bookings a list page shows.
const pageSize = 50

// bookingRow is one line of the bookings page.
type bookingRow struct {
	ID, Start, Service, Customer, Status, Payment string
}

// filter is what the bookings page shows: a range of slot starts and optional
// conditions on each booking.
type filter struct {
	View, Day, Status, Service, Payment, Query string
}

// matches reports whether rec passes the filter's conditions.
func (f filter) matches(rec *bsv1.BookingRecord) bool {
	b := rec.GetBooking()
	switch {
	case f.Status != "" && b.GetStatus().String() != f.Status:
		return false
	case f.Service != "" && b.GetSlot().GetServiceId() != f.Service:
		return false
	case f.Payment != "" && paymentState(rec) != f.Payment:
		return false
	case f.Query != "":
		u := b.GetUserInformation()
		for _, field := range [...]string{u.GetEmail(), u.GetFamilyName(), u.GetGivenName(), u.GetTelephone(), u.GetUserId(), b.GetBookingId()} {
			if containsFold(field, f.Query) {
				return true
			}
		}
		return false
	}
	return true
}

// containsFold reports whether sub is in s, ignoring case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// paymentState names a booking's payment for lists and filters.
func paymentState(rec *bsv1.BookingRecord) string {
	if s := rec.GetPayment().GetState(); s != bsv1.PaymentState_PAYMENT_STATE_UNSPECIFIED {
		return strings.TrimPrefix(s.String(), "PAYMENT_STATE_")
	}
	return "NONE"
}

// span is the range of slot starts of a view, and its order: today and a week run
// forwards from the day (in the merchant's time zone), upcoming from now, past
// backwards from now.
func (f filter) span(now time.Time, loc *time.Location) (from, to int64, desc bool, day time.Time) {
	day = now.In(loc)
	if d, err := time.ParseInLocation("2006-01-02", f.Day, loc); err == nil {
		day = d
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	switch f.View {
	case "today":
		return day.Unix(), day.AddDate(0, 0, 1).Unix(), false, day
	case "week":
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		return monday.Unix(), monday.AddDate(0, 0, 7).Unix(), false, monday
	case "past":
		return 0, now.Unix(), true, day
	}
	return now.Unix(), math.MaxInt64, false, day
}

// bookingsPage lists the merchant's bookings: a view (today, week, upcoming, past) is
// one range of the merchant index, read a page at a time from a cursor; the
// conditions are checked on the bookings the range holds.
func (u *UI) bookingsPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	q := r.URL.Query()
	f := filter{View: q.Get("view"), Day: q.Get("day"), Status: q.Get("status"), Service: strings.TrimSpace(q.Get("service")),
		Payment: q.Get("payment"), Query: strings.TrimSpace(q.Get("q"))}
	if f.View == "" {
		f.View = "upcoming"
	}
	rows, next, err := u.listBookings(r, s, f, q.Get("after"))
	if err != nil {
		slog.ErrorContext(r.Context(), "list bookings", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	services, err := u.services(r, s.rec.GetMerchantId())
	if err != nil {
		slog.ErrorContext(r.Context(), "list services", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	_, _, _, day := f.span(u.cfg.Now(), s.loc)
	step := 1
	if f.View == "week" {
		step = 7
	}
	u.render(w, r, http.StatusOK, "bookings", map[string]any{
		"Filter": f, "Views": []string{"today", "week", "upcoming", "past"}, "Rows": rows, "Next": next, "Statuses": statuses, "Payments": payments,
		"Services": services, "DayLabel": newFormatter(s).day(day), "Prev": day.AddDate(0, 0, -step).Format("2006-01-02"),
		"Following": day.AddDate(0, 0, step).Format("2006-01-02"),
	})
}

// serviceChoice is one service of the bookings page's filter.
type serviceChoice struct{ ID, Name string }

// services are the merchant's services for the filter, by id ("name (id)").
func (u *UI) services(r *http.Request, merchantID string) ([]serviceChoice, error) {
	if u.cfg.Catalog == nil {
		return nil, nil
	}
	svcs, err := u.cfg.Catalog.MerchantServices(r.Context(), merchantID)
	var out []serviceChoice
	for _, svc := range svcs {
		name := svc.GetServiceId()
		if n := svc.GetName(); n != "" && n != name {
			name = n + " (" + name + ")"
		}
		out = append(out, serviceChoice{ID: svc.GetServiceId(), Name: name})
	}
	return out, err
}

// listBookings returns one page of rows and the cursor of the next page ("" at the end).
func (u *UI) listBookings(r *http.Request, s *session, f filter, after string) ([]bookingRow, string, error) {
	cursor, _ := hex.DecodeString(after)
	from, to, desc, _ := f.span(u.cfg.Now(), s.loc)
	fm := newFormatter(s)
	var rows []bookingRow
	var next string
	err := u.cfg.Index.MerchantBookings(r.Context(), s.rec.GetMerchantId(), from, to, desc, cursor, func(rec *bsv1.BookingRecord, c []byte) bool {
		if !f.matches(rec) {
			return true
		}
		if len(rows) == pageSize {
			next = after
			return false
		}
		b := rec.GetBooking()
		rows = append(rows, bookingRow{ID: b.GetBookingId(), Start: fm.time(b.GetSlot().GetStartSec()), Service: b.GetSlot().GetServiceId(),
			Customer: customer(b.GetUserInformation()), Status: b.GetStatus().String(), Payment: paymentState(rec)})
		after = hex.EncodeToString(c)
		return true
	})
	return rows, next, err
}

// statuses and payments are the filter's choices.
var (
	statuses = func() []string {
		var out []string
		for i := 1; i < len(acv3.BookingStatus_name); i++ {
			if n, ok := acv3.BookingStatus_name[int32(i)]; ok {
				out = append(out, n)
			}
		}
		return out
	}()
	payments = func() []string {
		out := []string{"NONE"}
		for i := 1; i < len(bsv1.PaymentState_name); i++ {
			if n, ok := bsv1.PaymentState_name[int32(i)]; ok {
				out = append(out, strings.TrimPrefix(n, "PAYMENT_STATE_"))
			}
		}
		return out
	}()
)
