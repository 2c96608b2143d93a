package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// ledgerRow is one money movement of a booking.
type ledgerRow struct{ At, Kind, Amount, Processor, ProcessorID, Reason string }

// notificationRow is one notification to Google about a booking, with its delivery state.
type notificationRow struct {
	ID                 uint64
	Status, Mask, When string
	State, LastError   string
	// Delivered is when Google accepted it (DELIVERED only).
	Delivered string
	Attempts  int
}

// rtuRow is the availability update waiting for (or refused by) Google about the
// window holding a booking's slot.
type rtuRow struct {
	State, LastError string
	Attempts         int
}

// bookingPage shows one booking of the merchant with its ledger, its notifications
// to Google and the actions its state allows.
func (u *UI) bookingPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	rec, err := u.cfg.Bookings.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, booking.ErrNotFound) {
		u.render(w, r, http.StatusNotFound, "booking", map[string]any{"Missing": r.PathValue("id")})
		return
	}
	if err != nil {
		slog.ErrorContext(r.Context(), "read booking", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	data, err := u.bookingData(r, s, rec)
	if err != nil {
		slog.ErrorContext(r.Context(), "read booking", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	data["Done"], data["Problem"] = r.URL.Query().Get("done"), r.URL.Query().Get("problem")
	u.render(w, r, http.StatusOK, "booking", data)
}

// bookingData is the detail page's view of rec.
func (u *UI) bookingData(r *http.Request, s *session, rec *bsv1.BookingRecord) (map[string]any, error) {
	fm := newFormatter(s)
	b, p := rec.GetBooking(), rec.GetPayment()
	id := b.GetBookingId()
	entries, err := u.cfg.Bookings.Ledger(r.Context(), id)
	if err != nil {
		return nil, err
	}
	var ledger []ledgerRow
	for _, e := range entries {
		ledger = append(ledger, ledgerRow{At: fm.time(e.GetAtUnix()), Kind: strings.TrimPrefix(e.GetKind().String(), "KIND_"),
			Amount: fm.money(e.GetAmountMicros(), e.GetCurrency()), Processor: e.GetProcessor(), ProcessorID: e.GetProcessorId(), Reason: e.GetReason()})
	}
	notes, err := u.notifications(r, fm, id)
	if err != nil {
		return nil, err
	}
	rtu, err := u.slotRTU(r, b.GetSlot())
	if err != nil {
		return nil, err
	}
	outstanding := p.GetCapturedMicros() - p.GetRefundedMicros()
	live := booking.HoldsSpot(b.GetStatus())
	return map[string]any{
		"ID": id, "Customer": b.GetUserInformation(), "Service": b.GetSlot().GetServiceId(),
		"Start": fm.time(b.GetSlot().GetStartSec()), "Minutes": b.GetSlot().GetDurationSec() / 60, "PartySize": b.GetSlot().GetResources().GetPartySize(),
		"Status": b.GetStatus().String(), "Prepayment": b.GetPaymentInformation().GetPrepaymentStatus().String(),
		"PaymentState": paymentState(rec), "Processor": p.GetProcessor(), "Channel": strings.TrimPrefix(rec.GetChannel().String(), "CHANNEL_"),
		"Captured": fm.money(p.GetCapturedMicros(), p.GetCurrency()), "Refunded": fm.money(p.GetRefundedMicros(), p.GetCurrency()),
		"Ledger": ledger, "Notifications": notes, "RTU": rtu,
		"CanDecide":   b.GetStatus() == acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION,
		"CanNoShow":   live,
		"NoShowFee":   noShowFee(fm, p),
		"CanCancel":   live,
		"CanRefund":   outstanding > 0,
		"Outstanding": fm.money(outstanding, p.GetCurrency()), "OutstandingValue": decimal(outstanding), "Currency": p.GetCurrency(),
		"RequestID": randomToken()[:16],
	}, nil
}

// noShowFee says what marking a no-show charges.
func noShowFee(fm formatter, p *bsv1.BookingPayment) string {
	if p.GetNoShowFeeMicros() == 0 || p.GetPaymentMethodId() == "" {
		return fm.t("no fee (no no-show fee or no saved card)")
	}
	return fm.t("%s charged to the saved card", fm.money(p.GetNoShowFeeMicros(), p.GetCurrency()))
}

// notifications lists every notification to Google about booking id — pending, dead
// and delivered — with its delivery state.
func (u *UI) notifications(r *http.Request, fm formatter, id string) ([]notificationRow, error) {
	if u.cfg.Outbox == nil {
		return nil, nil
	}
	recs, err := u.cfg.Outbox.BookingHistory(r.Context(), id)
	if err != nil {
		return nil, err
	}
	var out []notificationRow
	for _, o := range recs {
		out = append(out, outboxRow(fm, o))
	}
	return out, nil
}

// slotRTU returns the availability update about slot's window that waits for Google
// or that Google refused, or nil when Google has the slot's open spots.
func (u *UI) slotRTU(r *http.Request, slot *acv3.Slot) (*rtuRow, error) {
	if u.cfg.RTUs == nil {
		return nil, nil
	}
	recs, err := u.cfg.RTUs.List(r.Context())
	if err != nil {
		return nil, err
	}
	for _, a := range recs {
		if a.GetMerchantId() == slot.GetMerchantId() && a.GetServiceId() == slot.GetServiceId() &&
			a.GetStartSec() <= slot.GetStartSec() && slot.GetStartSec() < a.GetEndSec() {
			row := &rtuRow{State: strings.TrimPrefix(a.GetState().String(), "OUTBOX_STATE_"), Attempts: len(a.GetAttempts())}
			if n := len(a.GetAttempts()); n > 0 {
				row.LastError = a.GetAttempts()[n-1].GetError()
			}
			return row, nil
		}
	}
	return nil, nil
}

// outboxRow is an outbox record as the dashboard shows it.
func outboxRow(fm formatter, o *bsv1.OutboxRecord) notificationRow {
	n := o.GetNotification()
	row := notificationRow{ID: o.GetId(), Status: n.GetStatus().String(), Mask: strings.Join(n.GetUpdateMask(), ", "),
		State: strings.TrimPrefix(o.GetState().String(), "OUTBOX_STATE_"), Attempts: len(o.GetAttempts()), When: fm.time(o.GetCreatedUnix())}
	if a := o.GetAttempts(); len(a) > 0 {
		row.LastError = a[len(a)-1].GetError()
	}
	if o.GetDeliveredUnix() != 0 {
		row.Delivered = fm.time(o.GetDeliveredUnix())
	}
	return row
}

// decimal is micros as a decimal amount with two digits ("12.50").
func decimal(micros int64) string { return strconv.FormatFloat(float64(micros)/1e6, 'f', 2, 64) }

// parseAmount reads a decimal amount ("12.5", "12,50") into micros.
func parseAmount(s string) (int64, error) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
	if err != nil || v <= 0 || v > math.MaxInt64/1e6 {
		return 0, fmt.Errorf("%q is not a positive amount", s)
	}
	return int64(math.Round(v * 1e6)), nil
}

// bookingActions are the forms of the detail page, each one core call (the merchant
// API's), idempotent on the form's request id.
var bookingActions = []string{"confirm", "decline", "noshow", "cancel", "refund"}

// bookingAction runs one action and shows the booking again with its result.
func (u *UI) bookingAction(w http.ResponseWriter, r *http.Request) {
	id, action, requestID := r.PathValue("id"), r.PathValue("action"), r.PostFormValue("request_id")
	if !slices.Contains(bookingActions, action) {
		http.NotFound(w, r)
		return
	}
	core := u.cfg.Bookings
	var err error
	switch action {
	case "confirm":
		_, err = core.Confirm(r.Context(), id, requestID)
	case "decline":
		_, err = core.Decline(r.Context(), id, requestID)
	case "noshow":
		_, err = core.MarkNoShow(r.Context(), id, requestID)
	case "cancel":
		_, err = core.MerchantCancel(r.Context(), id, requestID)
	case "refund":
		var micros int64
		if micros, err = parseAmount(r.PostFormValue("amount")); err == nil {
			_, err = core.Refund(r.Context(), id, requestID, booking.Money{Micros: micros, Currency: r.PostFormValue("currency")}, r.PostFormValue("reason"))
		} else {
			err = fmt.Errorf("%v: %w", err, booking.ErrInvalid)
		}
	}
	q := url.Values{}
	switch {
	case errors.Is(err, booking.ErrNotFound):
		http.NotFound(w, r)
		return
	case err == nil:
		q.Set("done", action)
	case errors.Is(err, booking.ErrInvalid), errors.Is(err, booking.ErrConflict), errors.Is(err, booking.ErrUnavailable):
		q.Set("problem", err.Error())
	default:
		slog.ErrorContext(r.Context(), "dashboard action", "action", action, "booking_id", id, "err", err)
		q.Set("problem", "internal error")
	}
	http.Redirect(w, r, "/ui/bookings/"+url.PathEscape(id)+"?"+q.Encode(), http.StatusSeeOther)
}
