package booking_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// asyncAvailability replaces the fixture's slots: SlotOneSpot (1 spot) and SlotOther
// (2 spots) are asynchronous, SlotFiveSpots stays synchronous.
const asyncAvailability = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
 "service_availability":[{"availability":[
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893492000","duration_sec":"1800","spots_total":"1","spots_open":"1","confirmation_mode":"CONFIRMATION_MODE_ASYNCHRONOUS"},
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893495600","duration_sec":"1800","spots_total":"5","spots_open":"5","confirmation_mode":"CONFIRMATION_MODE_SYNCHRONOUS"},
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893499200","duration_sec":"1800","spots_total":"2","spots_open":"2","confirmation_mode":"CONFIRMATION_MODE_ASYNCHRONOUS"}]}]}`

// eachStoreAsync is eachStore with asyncAvailability loaded.
func eachStoreAsync(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	eachStore(t, func(t *testing.T, f *fixture) {
		if _, err := f.store.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, []byte(asyncAvailability)); err != nil {
			t.Fatal(err)
		}
		fn(t, f)
	})
}

// open returns the open spots of the fixture slot at start.
func (f *fixture) open(t *testing.T, start int64) int32 {
	t.Helper()
	resp, err := f.core.CheckAvailability(t.Context(), &acv3.CheckAvailabilityRequest{Slot: createReq(start, "", "").GetSlot()})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCountAvailable()
}

// createPending creates a booking on an asynchronous slot and checks that it awaits
// the merchant.
func (f *fixture) createPending(t *testing.T, start int64, user, token string) string {
	t.Helper()
	resp := f.create(t, start, user, token)
	if resp.GetBookingFailure() != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION {
		t.Fatalf("create on an asynchronous slot: %v", resp)
	}
	return resp.GetBooking().GetBookingId()
}

// notifications returns the pending outbox notifications.
func (f *fixture) notifications(t *testing.T) []*bsv1.Notification {
	t.Helper()
	recs, err := f.store.Outbox().ListPending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []*bsv1.Notification
	for _, r := range recs {
		out = append(out, r.GetNotification())
	}
	return out
}

// checkNotified checks that the outbox holds exactly one notification, of id's status
// change to want.
func (f *fixture) checkNotified(t *testing.T, id string, want acv3.BookingStatus) {
	t.Helper()
	ns := f.notifications(t)
	if len(ns) != 1 {
		t.Fatalf("outbox: %d notifications, want 1: %v", len(ns), ns)
	}
	n := ns[0]
	if n.GetBookingId() != id || n.GetStatus() != want || !slices.Equal(n.GetUpdateMask(), []string{booking.MaskStatus}) {
		t.Errorf("notification: %v, want booking %s status %s mask [status]", n, id, want)
	}
}

// TestAsyncCreateAwaitsMerchant: a booking of an asynchronous slot is created
// PENDING_MERCHANT_CONFIRMATION, holds its spot, replays byte for byte, and tells Google
// nothing yet (the answer was the news). The feed's mode decides, not the request's.
func TestAsyncCreateAwaitsMerchant(t *testing.T) {
	t.Parallel()
	eachStoreAsync(t, func(t *testing.T, f *fixture) {
		first := f.create(t, storetest.SlotOther, "u1", "tok-1")
		b := first.GetBooking()
		if b.GetStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION || first.GetBookingFailure() != nil {
			t.Fatalf("create: %v", first)
		}
		if b.GetSlot().GetConfirmationMode() != acv3.ConfirmationMode_CONFIRMATION_MODE_ASYNCHRONOUS {
			t.Errorf("booked slot: %v", b.GetSlot())
		}
		replay := f.create(t, storetest.SlotOther, "u1", "tok-1")
		a, _ := proto.MarshalOptions{Deterministic: true}.Marshal(first)
		r, _ := proto.MarshalOptions{Deterministic: true}.Marshal(replay)
		if string(a) != string(r) {
			t.Errorf("replay differs:\n%v\n%v", first, replay)
		}
		if got := f.open(t, storetest.SlotOther); got != 1 {
			t.Errorf("open after create+replay: %d, want 1", got)
		}
		st, err := f.core.Status(t.Context(), b.GetBookingId())
		if err != nil || st.GetBookingStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION {
			t.Errorf("status: %v %v", st, err)
		}
		list, err := f.core.List(t.Context(), "u1")
		if err != nil || len(list.GetBookings()) != 1 || list.GetBookings()[0].GetStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION {
			t.Errorf("list: %v %v", list, err)
		}
		// The request's mode does not count: the feed's does.
		req := createReq(storetest.SlotOther, "u2", "tok-2")
		req.Slot.ConfirmationMode = acv3.ConfirmationMode_CONFIRMATION_MODE_SYNCHRONOUS
		if resp, err := f.core.Create(t.Context(), req); err != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION {
			t.Errorf("request says synchronous on an asynchronous slot: %v %v", resp, err)
		}
		req = createReq(storetest.SlotFiveSpots, "u1", "tok-3")
		req.Slot.ConfirmationMode = acv3.ConfirmationMode_CONFIRMATION_MODE_ASYNCHRONOUS
		if resp, err := f.core.Create(t.Context(), req); err != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED {
			t.Errorf("request says asynchronous on a synchronous slot: %v %v", resp, err)
		}
		// The slot is full now; the pending bookings count.
		if got := cause(f.create(t, storetest.SlotOther, "u3", "tok-4")); got != acv3.BookingFailure_SLOT_UNAVAILABLE {
			t.Errorf("full asynchronous slot: %v", got)
		}
		if ns := f.notifications(t); len(ns) != 0 {
			t.Errorf("create notified Google: %v", ns)
		}
	})
}

// TestConfirm: the merchant confirms once (a retry with the same request_id is the
// same answer), Google is notified once, and a confirmed booking cannot be confirmed
// or declined again.
func TestConfirm(t *testing.T) {
	t.Parallel()
	eachStoreAsync(t, func(t *testing.T, f *fixture) {
		id := f.createPending(t, storetest.SlotOther, "u1", "tok-1")
		for range 2 {
			rec, err := f.core.Confirm(t.Context(), id, "r1")
			if err != nil || rec.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED {
				t.Fatalf("confirm: %v %v", rec, err)
			}
		}
		f.checkNotified(t, id, acv3.BookingStatus_CONFIRMED)
		if got := f.open(t, storetest.SlotOther); got != 1 {
			t.Errorf("open after confirm: %d, want 1 (the spot stays taken)", got)
		}
		if st, err := f.core.Status(t.Context(), id); err != nil || st.GetBookingStatus() != acv3.BookingStatus_CONFIRMED {
			t.Errorf("status: %v %v", st, err)
		}
		_, err := f.core.Confirm(t.Context(), id, "r2")
		if !errors.Is(err, booking.ErrConflict) || !strings.Contains(err.Error(), "not awaiting") {
			t.Errorf("confirm a confirmed booking: %v, want ErrConflict", err)
		}
		if _, err := f.core.Decline(t.Context(), id, "r3"); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("decline a confirmed booking: %v, want ErrConflict", err)
		}
		// A synchronous booking never awaited the merchant.
		sync := f.create(t, storetest.SlotFiveSpots, "u1", "tok-2").GetBooking().GetBookingId()
		if _, err := f.core.Confirm(t.Context(), sync, "r4"); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("confirm a synchronous booking: %v, want ErrConflict", err)
		}
		if _, err := f.core.Confirm(t.Context(), "nope", "r5"); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("confirm an unknown booking: %v, want ErrNotFound", err)
		}
		if _, err := f.core.Confirm(t.Context(), id, ""); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("confirm without request_id: %v, want ErrInvalid", err)
		}
		f.checkNotified(t, id, acv3.BookingStatus_CONFIRMED) // the refusals wrote nothing
	})
}

// TestDecline: the merchant declines; the spot is free again at once and Google is
// notified once.
func TestDecline(t *testing.T) {
	t.Parallel()
	eachStoreAsync(t, func(t *testing.T, f *fixture) {
		id := f.createPending(t, storetest.SlotOneSpot, "u1", "tok-1")
		if got := cause(f.create(t, storetest.SlotOneSpot, "u2", "tok-2")); got != acv3.BookingFailure_SLOT_UNAVAILABLE {
			t.Fatalf("the pending booking holds the only spot: %v", got)
		}
		for range 2 {
			rec, err := f.core.Decline(t.Context(), id, "r1")
			if err != nil || rec.GetBooking().GetStatus() != acv3.BookingStatus_DECLINED_BY_MERCHANT || len(rec.GetSlotKey()) != 0 {
				t.Fatalf("decline: %v %v", rec, err)
			}
		}
		f.checkNotified(t, id, acv3.BookingStatus_DECLINED_BY_MERCHANT)
		if got := f.open(t, storetest.SlotOneSpot); got != 1 {
			t.Errorf("open after decline: %d, want 1", got)
		}
		if _, err := f.core.Confirm(t.Context(), id, "r2"); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("confirm a declined booking: %v, want ErrConflict", err)
		}
		f.createPending(t, storetest.SlotOneSpot, "u2", "tok-3")
	})
}

// TestUserCancelsPendingConfirmation: Google may cancel a booking that still awaits the
// merchant, inside the online-cancellation window; the merchant then has nothing to
// decide, and Google is not told of its own change.
func TestUserCancelsPendingConfirmation(t *testing.T) {
	t.Parallel()
	eachStoreAsync(t, func(t *testing.T, f *fixture) {
		id := f.createPending(t, storetest.SlotOneSpot, "u1", "tok-1")
		f.clock.Set(time.Unix(storetest.SlotOneSpot-1800, 0)) // online cancel closes 1 h before
		if got := cause(cancel(t, f, id)); got != acv3.BookingFailure_OUTSIDE_CANCELLATION_WINDOW {
			t.Fatalf("late cancel: %v", got)
		}
		f.clock.Set(time.Unix(storetest.SlotOneSpot-7200, 0))
		if resp := cancel(t, f, id); resp.GetBookingFailure() != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_CANCELED {
			t.Fatalf("cancel: %v", resp)
		}
		if got := f.open(t, storetest.SlotOneSpot); got != 1 {
			t.Errorf("open after cancel: %d, want 1", got)
		}
		if _, err := f.core.Confirm(t.Context(), id, "r1"); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("confirm a cancelled booking: %v, want ErrConflict", err)
		}
		if ns := f.notifications(t); len(ns) != 0 {
			t.Errorf("outbox: %v, want empty", ns)
		}
	})
}

// TestConcurrentConfirmAndDecline: racing merchant actions settle the booking exactly
// once; the loser is refused and one notification is written.
func TestConcurrentConfirmAndDecline(t *testing.T) {
	t.Parallel()
	eachStoreAsync(t, func(t *testing.T, f *fixture) {
		id := f.createPending(t, storetest.SlotOther, "u1", "tok-1")
		errs := make(chan error, 2)
		go func() { _, err := f.core.Confirm(context.Background(), id, "a"); errs <- err }()
		go func() { _, err := f.core.Decline(context.Background(), id, "b"); errs <- err }()
		ok := 0
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case !errors.Is(err, booking.ErrConflict):
				t.Errorf("loser: %v, want ErrConflict", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d actions succeeded, want 1", ok)
		}
		if ns := f.notifications(t); len(ns) != 1 {
			t.Errorf("outbox: %v, want one notification", ns)
		}
	})
}

// TestPaidAsyncSlotStaysSynchronous: on an asynchronous slot, only a booking with
// nothing to pay awaits the merchant; one whose policy needs a card is charged and
// confirmed at once, as on any slot, and is not the merchant's to confirm.
func TestPaidAsyncSlotStaysSynchronous(t *testing.T) {
	t.Parallel()
	eachPaymentStore(t, func(t *testing.T, f *payFixture) {
		async := strings.ReplaceAll(payAvailability, `"spots_open":"3"`, `"spots_open":"3","confirmation_mode":"CONFIRMATION_MODE_ASYNCHRONOUS"`)
		async = strings.Replace(async, `"generation_timestamp":"1700000000"`, `"generation_timestamp":"1700000001"`, 1)
		if _, err := f.store.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, []byte(async)); err != nil {
			t.Fatal(err)
		}
		resp, err := f.core.Create(t.Context(), payReq("arrival", "", ""))
		if err != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION {
			t.Fatalf("pay on arrival, asynchronous: %v %v", resp, err)
		}
		resp, err = f.core.Create(t.Context(), payReq("prepay", "", "tok_visa"))
		if err != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED ||
			resp.GetBooking().GetPaymentInformation().GetPrepaymentStatus() != acv3.PrepaymentStatus_PREPAYMENT_PROVIDED {
			t.Fatalf("prepaid, asynchronous slot: %v %v", resp, err)
		}
		if _, err := f.core.Confirm(t.Context(), resp.GetBooking().GetBookingId(), "r1"); !errors.Is(err, booking.ErrConflict) {
			t.Errorf("confirm a paid booking: %v, want ErrConflict", err)
		}
		if fixed, err := f.store.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Errorf("reconcile: %d %v", fixed, err)
		}
	})
}

// TestConfirmRefusesAwaitedPayment: a booking that is PENDING_MERCHANT_CONFIRMATION
// because its cart payment is awaited is settled by the payment, not by the merchant.
func TestConfirmRefusesAwaitedPayment(t *testing.T) {
	t.Parallel()
	eachStoreAsync(t, func(t *testing.T, f *fixture) {
		if _, err := f.core.SetMerchantCart(t.Context(), &bsv1.MerchantCart{MerchantId: "m1", CallbackUrl: "https://shop.example/cart"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.core.SetServiceCart(t.Context(), &bsv1.ServiceCart{MerchantId: "m1", ServiceId: "haircut", Enabled: true,
			Amount: &acv3.Price{PriceMicros: 15_000_000, CurrencyCode: "USD"}}); err != nil {
			t.Fatal(err)
		}
		mb, err := f.core.CreateMerchantBooking(t.Context(), booking.MerchantBookingRequest{Slot: createReq(storetest.SlotOther, "", "").GetSlot(),
			User: &acv3.UserInformation{UserId: "u1", Email: "u1@example.com"}, PaymentMethod: booking.PaymentCart, RequestID: "cart-1"})
		if err != nil || mb.Booking.GetStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION {
			t.Fatalf("cart booking: %v %v", mb, err)
		}
		for _, act := range []func(context.Context, string, string) (*bsv1.BookingRecord, error){f.core.Confirm, f.core.Decline} {
			if _, err := act(t.Context(), mb.Booking.GetBookingId(), "r1"); !errors.Is(err, booking.ErrConflict) || !strings.Contains(err.Error(), "awaits its payment") {
				t.Errorf("merchant action on an awaited cart payment: %v, want ErrConflict", err)
			}
		}
	})
}
