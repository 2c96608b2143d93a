package store_test

import (
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestPendingRefundsIndex: a booking is listed by PendingRefunds exactly while its
// payment has pending refunds, on every store.
func TestPendingRefundsIndex(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rec := &bsv1.BookingRecord{
			Booking: &acv3.Booking{BookingId: "b1", UserInformation: &acv3.UserInformation{UserId: "u1"}},
			Payment: &bsv1.BookingPayment{PendingRefunds: []*bsv1.PendingRefund{{RequestId: "r1", IdempotencyKey: "k1", AmountMicros: 5}}},
		}
		put := func() {
			t.Helper()
			if err := s.Update(t.Context(), func(tx booking.Tx) error { return tx.PutBooking(rec) }); err != nil {
				t.Fatal(err)
			}
		}
		listed := func() (ids []string) {
			t.Helper()
			err := s.View(t.Context(), func(tx booking.ReadTx) error {
				return tx.PendingRefunds(func(r *bsv1.BookingRecord) bool {
					ids = append(ids, r.GetBooking().GetBookingId()+":"+r.GetPayment().GetPendingRefunds()[0].GetIdempotencyKey())
					return true
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		put()
		if got := listed(); len(got) != 1 || got[0] != "b1:k1" {
			t.Fatalf("pending refunds listed %v, want [b1:k1]", got)
		}
		rec.Payment.PendingRefunds = nil
		put()
		if got := listed(); len(got) != 0 {
			t.Fatalf("settled refund still listed: %v", got)
		}
	})
}
