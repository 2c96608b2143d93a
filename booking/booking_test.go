package booking_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

type fixture struct {
	core  *booking.Service
	store store.Backend
	clock *clock
}

// eachStore runs fn, as a parallel subtest, with a fixture on each store: bbolt, and
// Postgres when a database is given (storetest.Each). What the core does is the
// contract both stores keep.
func eachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st store.Backend) { fn(t, setupOn(t, st)) })
}

// setupOn loads the fixture feeds into st and makes a core whose clock reads one day
// before the fixture slots.
func setupOn(t *testing.T, st store.Backend) *fixture {
	t.Helper()
	storetest.LoadFixture(t, st)
	c := &clock{now: time.Unix(storetest.SlotOneSpot, 0).Add(-24 * time.Hour)}
	ids := 0
	var mu sync.Mutex
	core, err := booking.New(booking.Config{Store: st, Now: c.Now, NewID: func() string {
		mu.Lock()
		defer mu.Unlock()
		ids++
		return fmt.Sprintf("bk-%d", ids)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if fixed, err := st.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Errorf("invariant: %d slot counts disagreed with live bookings (%v)", fixed, err)
		}
	})
	return &fixture{core: core, store: st, clock: c}
}

func createReq(start int64, user, token string) *acv3.CreateBookingRequest {
	return &acv3.CreateBookingRequest{
		Slot:             &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: start, DurationSec: storetest.SlotDuration},
		UserInformation:  &acv3.UserInformation{UserId: user, GivenName: "Jane", Email: user + "@example.com"},
		IdempotencyToken: token,
	}
}

func (f *fixture) create(t *testing.T, start int64, user, token string) *acv3.CreateBookingResponse {
	t.Helper()
	resp, err := f.core.Create(context.Background(), createReq(start, user, token))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return resp
}

func cause(r interface {
	GetBookingFailure() *acv3.BookingFailure
}) acv3.BookingFailure_Cause {
	return r.GetBookingFailure().GetCause()
}

func TestCreateReplayReturnsTheFirstAnswer(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		first := f.create(t, storetest.SlotFiveSpots, "u1", "tok-1")
		b := first.GetBooking()
		if b.GetBookingId() == "" || b.GetStatus() != acv3.BookingStatus_CONFIRMED || first.GetBookingFailure() != nil {
			t.Fatalf("first: %v", first)
		}
		if b.GetPaymentInformation().GetPrepaymentStatus() != acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED {
			t.Errorf("pay on arrival: %v", b.GetPaymentInformation())
		}
		replay := f.create(t, storetest.SlotFiveSpots, "u1", "tok-1")
		a, _ := proto.MarshalOptions{Deterministic: true}.Marshal(first)
		r, _ := proto.MarshalOptions{Deterministic: true}.Marshal(replay)
		if string(a) != string(r) {
			t.Errorf("replay differs:\n%v\n%v", first, replay)
		}
		// Only one spot was taken.
		resp, err := f.core.CheckAvailability(context.Background(), &acv3.CheckAvailabilityRequest{Slot: createReq(storetest.SlotFiveSpots, "", "").GetSlot()})
		if err != nil || resp.GetCountAvailable() != 4 {
			t.Errorf("count after create+replay: %v %v, want 4", resp.GetCountAvailable(), err)
		}
		// The same token for a different request is refused.
		_, err = f.core.Create(context.Background(), createReq(storetest.SlotOther, "u1", "tok-1"))
		if !errors.Is(err, booking.ErrConflict) {
			t.Errorf("reused token: %v, want ErrConflict", err)
		}
	})
}

// TestFailedAttemptIsRetried: a token whose attempt failed is a new attempt next time.
func TestFailedAttemptIsRetried(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		taken := f.create(t, storetest.SlotOneSpot, "u1", "a")
		if got := cause(f.create(t, storetest.SlotOneSpot, "u2", "b")); got != acv3.BookingFailure_SLOT_UNAVAILABLE {
			t.Fatalf("full slot: %v", got)
		}
		cancel(t, f, taken.GetBooking().GetBookingId())
		if resp := f.create(t, storetest.SlotOneSpot, "u2", "b"); resp.GetBooking().GetBookingId() == "" {
			t.Fatalf("retry after failure: %v", resp)
		}
	})
}

func TestSameUserSameSlot(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		first := f.create(t, storetest.SlotFiveSpots, "u1", "a")
		if got := cause(f.create(t, storetest.SlotFiveSpots, "u1", "b")); got != acv3.BookingFailure_SLOT_ALREADY_BOOKED_BY_USER {
			t.Fatalf("got %v", got)
		}
		// The user's own booking is named even when it took the last spot.
		f.create(t, storetest.SlotOneSpot, "u1", "c")
		if got := cause(f.create(t, storetest.SlotOneSpot, "u1", "d")); got != acv3.BookingFailure_SLOT_ALREADY_BOOKED_BY_USER {
			t.Fatalf("full slot the user holds: got %v", got)
		}
		// Another user's booking of the slot is not hers; a cancelled one no longer
		// holds it, and the booking made after it does again.
		if resp := f.create(t, storetest.SlotFiveSpots, "u2", "e"); resp.GetBooking().GetBookingId() == "" {
			t.Fatalf("another user: %v", resp)
		}
		cancel(t, f, first.GetBooking().GetBookingId())
		if resp := f.create(t, storetest.SlotFiveSpots, "u1", "f"); resp.GetBooking().GetBookingId() == "" {
			t.Fatalf("after her booking was cancelled: %v", resp)
		}
		if got := cause(f.create(t, storetest.SlotFiveSpots, "u1", "g")); got != acv3.BookingFailure_SLOT_ALREADY_BOOKED_BY_USER {
			t.Fatalf("booked again after the cancellation: got %v", got)
		}
	})
}

func TestCreateRejectsMalformedRequests(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		mutate := func(fn func(r *acv3.CreateBookingRequest)) *acv3.CreateBookingRequest {
			r := createReq(storetest.SlotFiveSpots, "u1", "t")
			fn(r)
			return r
		}
		tests := map[string]*acv3.CreateBookingRequest{
			"no slot":          mutate(func(r *acv3.CreateBookingRequest) { r.Slot = nil }),
			"no merchant":      mutate(func(r *acv3.CreateBookingRequest) { r.Slot.MerchantId = "" }),
			"unknown merchant": mutate(func(r *acv3.CreateBookingRequest) { r.Slot.MerchantId = "nope" }),
			"unknown service":  mutate(func(r *acv3.CreateBookingRequest) { r.Slot.ServiceId = "nope" }),
			"no start":         mutate(func(r *acv3.CreateBookingRequest) { r.Slot.StartSec = 0 }),
			"no duration":      mutate(func(r *acv3.CreateBookingRequest) { r.Slot.DurationSec = 0 }),
			"no token":         mutate(func(r *acv3.CreateBookingRequest) { r.IdempotencyToken = "" }),
			"no user":          mutate(func(r *acv3.CreateBookingRequest) { r.UserInformation = nil }),
		}
		for name, req := range tests {
			if _, err := f.core.Create(context.Background(), req); !errors.Is(err, booking.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
	})
}

func TestCreateBusinessFailures(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		if got := cause(f.create(t, storetest.SlotFiveSpots+60, "u1", "a")); got != acv3.BookingFailure_SLOT_UNAVAILABLE {
			t.Errorf("slot not in feed: %v", got)
		}
		f.clock.Set(time.Unix(storetest.SlotFiveSpots-300, 0)) // 5 min before; bookings close 10 min before
		if got := cause(f.create(t, storetest.SlotFiveSpots, "u1", "b")); got != acv3.BookingFailure_SLOT_UNAVAILABLE {
			t.Errorf("inside min_advance_booking: %v", got)
		}
		f.clock.Set(time.Unix(storetest.SlotFiveSpots+1, 0))
		if got := cause(f.create(t, storetest.SlotFiveSpots, "u1", "c")); got != acv3.BookingFailure_SLOT_UNAVAILABLE {
			t.Errorf("started slot: %v", got)
		}
	})
}

func cancel(t *testing.T, f *fixture, id string) *acv3.UpdateBookingResponse {
	t.Helper()
	resp, err := f.core.Update(context.Background(), &acv3.UpdateBookingRequest{Booking: &acv3.Booking{BookingId: id, Status: acv3.BookingStatus_CANCELED}})
	if err != nil {
		t.Fatalf("cancel: %v", err)
	}
	return resp
}

func TestCancel(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		id := f.create(t, storetest.SlotOneSpot, "u1", "a").GetBooking().GetBookingId()

		f.clock.Set(time.Unix(storetest.SlotOneSpot-1800, 0)) // online cancel closes 1 h before
		if got := cause(cancel(t, f, id)); got != acv3.BookingFailure_OUTSIDE_CANCELLATION_WINDOW {
			t.Fatalf("late cancel: %v", got)
		}
		f.clock.Set(time.Unix(storetest.SlotOneSpot-7200, 0))
		resp := cancel(t, f, id)
		if resp.GetBookingFailure() != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_CANCELED {
			t.Fatalf("cancel: %v", resp)
		}
		if got := cause(cancel(t, f, id)); got != acv3.BookingFailure_BOOKING_ALREADY_CANCELLED {
			t.Errorf("second cancel: %v", got)
		}
		// The spot is free again at once.
		if resp := f.create(t, storetest.SlotOneSpot, "u2", "b"); resp.GetBookingFailure() != nil {
			t.Errorf("rebook freed spot: %v", resp)
		}
		_, err := f.core.Update(context.Background(), &acv3.UpdateBookingRequest{Booking: &acv3.Booking{BookingId: "nope", Status: acv3.BookingStatus_CANCELED}})
		if !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("unknown booking: %v", err)
		}
	})
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		id := f.create(t, storetest.SlotFiveSpots, "u1", "a").GetBooking().GetBookingId()
		move := func(start int64) *acv3.UpdateBookingResponse {
			resp, err := f.core.Update(context.Background(), &acv3.UpdateBookingRequest{Booking: &acv3.Booking{
				BookingId: id, Slot: &acv3.Slot{StartSec: start, DurationSec: storetest.SlotDuration}}})
			if err != nil {
				t.Fatalf("reschedule: %v", err)
			}
			return resp
		}
		resp := move(storetest.SlotOneSpot)
		if resp.GetBookingFailure() != nil || resp.GetBooking().GetSlot().GetStartSec() != storetest.SlotOneSpot {
			t.Fatalf("reschedule: %v", resp)
		}
		// Another booking cannot move into the now full slot; it keeps its own.
		other := f.create(t, storetest.SlotOther, "u2", "b").GetBooking().GetBookingId()
		id = other
		resp = move(storetest.SlotOneSpot)
		if cause(resp) != acv3.BookingFailure_SLOT_UNAVAILABLE || resp.GetBooking().GetSlot().GetStartSec() != storetest.SlotOther {
			t.Fatalf("into a full slot: %v", resp)
		}
		rec, err := f.core.Get(context.Background(), other)
		if err != nil || rec.GetBooking().GetSlot().GetStartSec() != storetest.SlotOther {
			t.Errorf("stored booking changed: %v %v", rec, err)
		}
	})
}

func TestStatusAndList(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		first := f.create(t, storetest.SlotFiveSpots, "u1", "a").GetBooking().GetBookingId()
		f.clock.Set(f.clock.Now().Add(time.Second))
		second := f.create(t, storetest.SlotOther, "u1", "b").GetBooking().GetBookingId()
		f.create(t, storetest.SlotOther, "u2", "c")

		list, err := f.core.List(context.Background(), "u1")
		if err != nil || len(list.GetBookings()) != 2 || list.GetBookings()[0].GetBookingId() != second || list.GetBookings()[1].GetBookingId() != first {
			t.Fatalf("list newest first: %v %v", list, err)
		}
		if list, _ := f.core.List(context.Background(), "nobody"); len(list.GetBookings()) != 0 {
			t.Errorf("unknown user: %v", list)
		}
		// A cancelled booking is not upcoming: ListBookings leaves it out.
		cancel(t, f, second)
		if list, err := f.core.List(context.Background(), "u1"); err != nil || len(list.GetBookings()) != 1 || list.GetBookings()[0].GetBookingId() != first {
			t.Errorf("list after cancel: %v %v", list, err)
		}
		// Nor is one whose slot has ended.
		f.clock.Set(time.Unix(storetest.SlotFiveSpots+storetest.SlotDuration, 0))
		if list, err := f.core.List(context.Background(), "u1"); err != nil || len(list.GetBookings()) != 0 {
			t.Errorf("list after the slot ended: %v %v", list, err)
		}
		st, err := f.core.Status(context.Background(), first)
		if err != nil || st.GetBookingStatus() != acv3.BookingStatus_CONFIRMED || st.GetPrepaymentStatus() != acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED {
			t.Errorf("status: %v %v", st, err)
		}
		if _, err := f.core.Status(context.Background(), "nope"); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("unknown booking: %v", err)
		}
	})
}

func TestBatchAvailability(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		f.create(t, storetest.SlotOneSpot, "u1", "a")
		req := &acv3.BatchAvailabilityLookupRequest{MerchantId: "m1", SlotTime: []*acv3.SlotTime{
			{ServiceId: "haircut", StartSec: storetest.SlotOneSpot, DurationSec: storetest.SlotDuration},
			{ServiceId: "haircut", StartSec: storetest.SlotFiveSpots},
			{ServiceId: "haircut", StartSec: storetest.SlotFiveSpots + 1},
			{ServiceId: "haircut", StartSec: storetest.SlotFiveSpots, DurationSec: 60},
		}}
		resp, err := f.core.BatchAvailability(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		want := []bool{false, true, false, false}
		for i, a := range resp.GetSlotTimeAvailability() {
			if !proto.Equal(a.GetSlotTime(), req.GetSlotTime()[i]) || a.GetAvailable() != want[i] {
				t.Errorf("[%d] = %v, want available=%v echoing the request", i, a, want[i])
			}
		}
		if len(resp.GetSlotTimeAvailability()) != len(want) {
			t.Errorf("%d answers for %d slot times", len(resp.GetSlotTimeAvailability()), len(want))
		}
		req.SlotTime[0].ServiceId = "nope"
		if _, err := f.core.BatchAvailability(context.Background(), req); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("unknown service: %v", err)
		}
	})
}

// TestFeedReplaceKeepsBookings: a complete availability feed without a booked slot
// removes the slot but not the booking, which can still be cancelled.
func TestFeedReplaceKeepsBookings(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		id := f.create(t, storetest.SlotOneSpot, "u1", "a").GetBooking().GetBookingId()
		feed := `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000100"},
		 "service_availability":[{"availability":[{"merchant_id":"m1","service_id":"haircut","start_sec":"1893495600","duration_sec":"1800","spots_total":"5","spots_open":"5"}]}]}`
		sum, err := f.store.LoadFeed(context.Background(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, []byte(feed))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Records != 1 || sum.Removed != 2 || sum.BookedSlotsRemoved != 1 {
			t.Errorf("summary %+v", sum)
		}
		if rec, err := f.core.Get(context.Background(), id); err != nil || rec.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED {
			t.Fatalf("booking after feed replace: %v %v", rec, err)
		}
		if resp := cancel(t, f, id); resp.GetBookingFailure() != nil {
			t.Errorf("cancel after its slot left the feed: %v", resp)
		}
	})
}

// TestMerchantRemovalKeepsBookings: a complete merchant feed that omits the
// merchant removes it, its services and slots, so it is unknown to lookups and
// CreateBooking; its bookings stay readable and cancellable.
func TestMerchantRemovalKeepsBookings(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		id := f.create(t, storetest.SlotOneSpot, "u1", "a").GetBooking().GetBookingId()
		feed := `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000100"},
		 "merchant":[{"merchant_id":"m9","name":"Another"}]}`
		sum, err := f.store.LoadFeed(context.Background(), bsv1.FeedKind_FEED_KIND_MERCHANT, []byte(feed))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Removed != 5 || sum.BookedSlotsRemoved != 1 { // m1, haircut, three slots
			t.Errorf("summary %+v", sum)
		}
		if resp, err := f.core.Create(context.Background(), createReq(storetest.SlotFiveSpots, "u2", "b")); err == nil && resp.GetBookingFailure() == nil {
			t.Errorf("booked a removed merchant: %v", resp)
		}
		if rec, err := f.core.Get(context.Background(), id); err != nil || rec.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED {
			t.Fatalf("booking after its merchant left the feed: %v %v", rec, err)
		}
		if resp := cancel(t, f, id); resp.GetBookingFailure() != nil || resp.GetBooking().GetStatus() != acv3.BookingStatus_CANCELED {
			t.Errorf("cancel after its merchant left the feed: %v", resp)
		}
	})
}

// TestConcurrentReplaysOfOneToken: replays that arrive while the first call is in
// flight wait for it and get its answer; one spot is taken.
func TestConcurrentReplaysOfOneToken(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, f *fixture) {
		ids := make(chan string, 20)
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids <- f.create(t, storetest.SlotFiveSpots, "u1", "same-token").GetBooking().GetBookingId()
			}()
		}
		wg.Wait()
		close(ids)
		first := <-ids
		for id := range ids {
			if id != first || id == "" {
				t.Fatalf("replay answered %q, first %q", id, first)
			}
		}
		resp, err := f.core.CheckAvailability(context.Background(), &acv3.CheckAvailabilityRequest{Slot: createReq(storetest.SlotFiveSpots, "", "").GetSlot()})
		if err != nil || resp.GetCountAvailable() != 4 {
			t.Errorf("count %d (%v), want 4", resp.GetCountAvailable(), err)
		}
	})
}
