package booking_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// TestMerchantRequestIDIsBoundToItsAction: a request id reused with another action,
// booking or body is refused naming the conflict, and changes nothing; a true replay
// answers as the first call did.
func TestMerchantRequestIDIsBoundToItsAction(t *testing.T) {
	t.Parallel()
	eachPaymentStore(t, func(t *testing.T, f *payFixture) {
		book := func(staff string) string {
			t.Helper()
			resp, err := f.core.Create(t.Context(), payReq("prepay", staff, "tok_visa"))
			if err != nil || resp.GetBooking() == nil {
				t.Fatalf("create: %v %v", resp, err)
			}
			return resp.GetBooking().GetBookingId()
		}
		id, other := book(""), book("saturday-staff")
		usd := booking.Money{Micros: 50_000_000, Currency: "USD"}
		if _, err := f.core.Refund(t.Context(), id, "x1", usd, "goodwill"); err != nil {
			t.Fatal(err)
		}
		refused := func(what string, err error, wantInMessage string) {
			t.Helper()
			if !errors.Is(err, booking.ErrRequestIDReused) || !strings.Contains(err.Error(), wantInMessage) {
				t.Errorf("%s: %v, want ErrRequestIDReused naming %q", what, err, wantInMessage)
			}
		}
		_, err := f.core.MerchantCancel(t.Context(), id, "x1")
		refused("cancel with a refund's id", err, "refund of booking "+id)
		_, err = f.core.Refund(t.Context(), id, "x1", booking.Money{Micros: 10_000_000, Currency: "USD"}, "goodwill")
		refused("refund with another amount", err, "refund of booking "+id)
		_, err = f.core.Refund(t.Context(), other, "x1", usd, "goodwill")
		refused("refund of another booking", err, "refund of booking "+id)
		_, err = f.core.MarkNoShow(t.Context(), other, "x1")
		refused("no-show with a refund's id", err, "refund of booking "+id)

		rec, err := f.core.Refund(t.Context(), id, "x1", usd, "goodwill")
		if err != nil || rec.GetPayment().GetRefundedMicros() != 50_000_000 || rec.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED {
			t.Errorf("true replay: %v %v", rec, err)
		}
		if rec, _ := f.core.Get(t.Context(), other); rec.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED || rec.GetPayment().GetRefundedMicros() != 0 {
			t.Errorf("the other booking changed: %v", rec)
		}
		// The merchant channel shares the request ids: a booking cannot reuse x1 either.
		_, err = f.core.CreateMerchantBooking(t.Context(), booking.MerchantBookingRequest{
			Slot: payReq("arrival", "", "").GetSlot(), User: &acv3.UserInformation{UserId: "u1"}, PaymentMethod: booking.PaymentNone, RequestID: "x1"})
		refused("merchant booking with a refund's id", err, "refund of booking "+id)
	})
}
