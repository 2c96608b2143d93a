package ui

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/bookingserver/bookingserver/booking"
)

// availabilityDays is how many days the availability page shows.
const availabilityDays = 7

// availabilityCell is one service's slots starting on one day: spots in total and
// still open (spots_open of the feed less live bookings).
type availabilityCell struct{ Slots, Total, Open int64 }

// availabilityRow is one service's week.
type availabilityRow struct {
	Service string
	Cells   [availabilityDays]availabilityCell
}

// availabilityPage shows, per service and day of a week (in the merchant's time
// zone), the slots and their total and open spots: one key range of the slots per
// service.
func (u *UI) availabilityPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	fm := newFormatter(s)
	if u.cfg.Catalog == nil {
		http.Error(w, "no catalog", http.StatusServiceUnavailable)
		return
	}
	day := u.cfg.Now().In(s.loc)
	if d, err := time.ParseInLocation("2006-01-02", r.URL.Query().Get("day"), s.loc); err == nil {
		day = d
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, s.loc)
	var starts [availabilityDays + 1]int64
	var labels []string
	for i := range starts {
		d := day.AddDate(0, 0, i)
		starts[i] = d.Unix()
		if i < availabilityDays {
			labels = append(labels, fm.day(d))
		}
	}
	svcs, err := u.services(r, s.rec.GetMerchantId())
	if err != nil {
		slog.ErrorContext(r.Context(), "list services", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	rows := make([]availabilityRow, len(svcs))
	index := map[string]int{}
	for i, svc := range svcs {
		rows[i].Service, index[svc.ID] = svc.Name, i
	}
	err = u.cfg.Catalog.MerchantSlots(r.Context(), s.rec.GetMerchantId(), starts[0], starts[availabilityDays], func(serviceID string, slot booking.Slot) bool {
		i, ok := index[serviceID]
		if !ok {
			return true
		}
		start := slot.Availability.GetStartSec()
		d := 0
		for d+1 < availabilityDays && start >= starts[d+1] {
			d++
		}
		c := &rows[i].Cells[d]
		c.Slots++
		c.Total += slot.Availability.GetSpotsTotal()
		c.Open += max(slot.Open(), 0)
		return true
	})
	if err != nil {
		slog.ErrorContext(r.Context(), "list slots", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	u.render(w, r, http.StatusOK, "availability", map[string]any{"Rows": rows, "Days": labels, "DayLabel": fm.day(day),
		"Prev": day.AddDate(0, 0, -availabilityDays).Format("2006-01-02"), "Following": day.AddDate(0, 0, availabilityDays).Format("2006-01-02")})
}
