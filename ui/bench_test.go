package ui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store/storetest"
	"github.com/bookingserver/bookingserver/tenant"
	"github.com/bookingserver/bookingserver/ui"
)

// BenchmarkBookingsPage renders the bookings page of a merchant with 10,000 bookings
// (server time: the handler, without the network), on each store (Postgres when
// BOOKINGSERVER_TEST_DATABASE_URL is set). "upcoming" is the first page of the index
// range; "search" filters for one customer, so the whole range is read.
func BenchmarkBookingsPage(b *testing.B) {
	const n = 10_000
	for _, impl := range storetest.Stores {
		b.Run(impl.Name, func(b *testing.B) {
			st := impl.New(b)
			storetest.LoadFixture(b, st)
			start := time.Now().Add(24 * time.Hour).Unix()
			err := st.Update(b.Context(), func(tx booking.Tx) error {
				for i := range n {
					rec := &bsv1.BookingRecord{Booking: &acv3.Booking{
						BookingId: fmt.Sprintf("bk_%06d", i), Status: acv3.BookingStatus_CONFIRMED,
						Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: start + int64(i)*600, DurationSec: 1800},
						UserInformation: &acv3.UserInformation{UserId: fmt.Sprintf("u%d", i), GivenName: "Jane", FamilyName: fmt.Sprintf("Doe %d", i),
							Email: fmt.Sprintf("jane%d@example.com", i)},
					}, CreatedUnix: start}
					if err := tx.PutBooking(rec); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			core, err := booking.New(booking.Config{Store: st})
			if err != nil {
				b.Fatal(err)
			}
			ds := st.(dashboardStore)
			sessions := tenant.NewSessions(ds, time.Hour, nil)
			dash, err := ui.New(ui.Config{Bookings: core, Index: ds, Catalog: ds, Outbox: st.Outbox(), Feeds: st, Keys: tenant.NewKeys(ds, nil),
				Staff: tenant.NewStaff(ds, nil), Sessions: sessions, Settings: ds})
			if err != nil {
				b.Fatal(err)
			}
			cookie, _, err := sessions.Start(b.Context(), "m1", "bench")
			if err != nil {
				b.Fatal(err)
			}
			for _, bc := range []struct{ name, query string }{
				{"upcoming", "view=upcoming"},
				{"search", fmt.Sprintf("view=upcoming&q=jane%d@", n-1)},
			} {
				b.Run(bc.name, func(b *testing.B) {
					for b.Loop() {
						req := httptest.NewRequest("GET", "/ui/bookings?"+bc.query, nil)
						req.AddCookie(&http.Cookie{Name: "bs_session", Value: cookie})
						w := httptest.NewRecorder()
						dash.ServeHTTP(w, req)
						if w.Code != 200 {
							b.Fatalf("HTTP %d", w.Code)
						}
					}
				})
			}
		})
	}
}
