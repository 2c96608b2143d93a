package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// replicaCores returns one core per store handle, both with the fixture loaded
// once, and checks the slot-count invariant when the test ends.
func replicaCores(t *testing.T, a, b store.Backend) [2]*booking.Service {
	t.Helper()
	storetest.LoadFixture(t, a)
	var cores [2]*booking.Service
	for i, st := range []store.Backend{a, b} {
		core, err := booking.New(booking.Config{Store: st, Now: (&clock{now: time.Unix(storetest.SlotOneSpot, 0).Add(-24 * time.Hour)}).Now})
		if err != nil {
			t.Fatal(err)
		}
		cores[i] = core
	}
	t.Cleanup(func() {
		if fixed, err := a.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Errorf("invariant: %d slot counts disagreed with live bookings (%v)", fixed, err)
		}
	})
	return cores
}

// TestRacingCreatesAcrossReplicasTakeOneSpot: many users race for the one spot of a
// slot through two replicas; exactly one gets it, the others are told it is gone.
func TestRacingCreatesAcrossReplicasTakeOneSpot(t *testing.T) {
	t.Parallel()
	storetest.EachReplicas(t, func(t *testing.T, a, b store.Backend) {
		cores := replicaCores(t, a, b)
		const racers = 40
		resps := make([]*acv3.CreateBookingResponse, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				resp, err := cores[i%2].Create(context.Background(), createReq(storetest.SlotOneSpot, fmt.Sprintf("u%d", i), fmt.Sprintf("tok-%d", i)))
				if err != nil {
					t.Errorf("create %d: %v", i, err)
				}
				resps[i] = resp
			})
		}
		wg.Wait()
		booked := 0
		for i, r := range resps {
			switch {
			case r.GetBooking().GetBookingId() != "":
				booked++
			case cause(r) != acv3.BookingFailure_SLOT_UNAVAILABLE:
				t.Errorf("racer %d: %v, want a booking or SLOT_UNAVAILABLE", i, r)
			}
		}
		if booked != 1 {
			t.Fatalf("%d bookings of a one-spot slot", booked)
		}
	})
}

// TestTokenReplayedOnTheOtherReplica: a token booked through one replica and replayed,
// also concurrently, through the other answers the same booking.
func TestTokenReplayedOnTheOtherReplica(t *testing.T) {
	t.Parallel()
	storetest.EachReplicas(t, func(t *testing.T, a, b store.Backend) {
		cores := replicaCores(t, a, b)
		first, err := cores[0].Create(context.Background(), createReq(storetest.SlotFiveSpots, "u1", "tok-1"))
		if err != nil || first.GetBooking().GetBookingId() == "" {
			t.Fatalf("create: %v %v", first, err)
		}
		replay, err := cores[1].Create(context.Background(), createReq(storetest.SlotFiveSpots, "u1", "tok-1"))
		if err != nil || replay.GetBooking().GetBookingId() != first.GetBooking().GetBookingId() {
			t.Fatalf("replay on the other replica = %v, %v; want booking %s", replay, err, first.GetBooking().GetBookingId())
		}

		// A new token sent to both replicas at once: one booking, one answer.
		const calls = 20
		ids := make([]string, calls)
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				resp, err := cores[i%2].Create(context.Background(), createReq(storetest.SlotFiveSpots, "u2", "tok-2"))
				if err != nil {
					t.Errorf("call %d: %v", i, err)
				}
				ids[i] = resp.GetBooking().GetBookingId()
			})
		}
		wg.Wait()
		for i, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("concurrent calls of one token answered %q and %q (call %d)", ids[0], id, i)
			}
		}
	})
}
