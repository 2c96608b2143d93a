package server_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/store/storetest"
)

func (b *bundle) googleCtx() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", basic(testUser, testPassword))
}

func bookReq(start int64, user, token string) *acv3.CreateBookingRequest {
	return &acv3.CreateBookingRequest{
		Slot:             &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: start, DurationSec: storetest.SlotDuration},
		UserInformation:  &acv3.UserInformation{UserId: user, Email: user + "@example.com"},
		IdempotencyToken: token,
	}
}

// TestConcurrentCreateNeverOverbooks: 200 clients race for a slot over real gRPC; exactly
// its capacity succeed and the rest get SLOT_UNAVAILABLE.
func TestConcurrentCreateNeverOverbooks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		start int64
		spots int64
	}{{storetest.SlotOneSpot, 1}, {storetest.SlotFiveSpots, 5}} {
		t.Run(fmt.Sprintf("%d spots", tc.spots), func(t *testing.T) {
			t.Parallel()
			eachStore(t, func(t *testing.T, b *bundle) {
				var ok, unavailable, other atomic.Int64
				var wg sync.WaitGroup
				for i := range 200 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						resp, err := b.bookings.CreateBooking(b.googleCtx(), bookReq(tc.start, fmt.Sprintf("u%d", i), fmt.Sprintf("t%d", i)))
						switch {
						case err != nil:
							t.Error(err)
							other.Add(1)
						case resp.GetBooking() != nil && resp.GetBookingFailure() == nil:
							ok.Add(1)
						case resp.GetBookingFailure().GetCause() == acv3.BookingFailure_SLOT_UNAVAILABLE:
							unavailable.Add(1)
						default:
							other.Add(1)
						}
					}()
				}
				wg.Wait()
				if ok.Load() != tc.spots || unavailable.Load() != 200-tc.spots || other.Load() != 0 {
					t.Errorf("ok=%d unavailable=%d other=%d, want %d/%d/0", ok.Load(), unavailable.Load(), other.Load(), tc.spots, 200-tc.spots)
				}
				if fixed, err := b.store.Reconcile(time.Time{}); err != nil || fixed != 0 {
					t.Errorf("invariant: %d fixed, %v", fixed, err)
				}
			})
		})
	}
}

// TestConcurrentCreatesAndCancels: creates, replays and cancels interleave; the open
// count always equals capacity minus live bookings, and the store invariant holds.
func TestConcurrentCreatesAndCancels(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		var wg sync.WaitGroup
		var live atomic.Int64
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := b.googleCtx()
				req := bookReq(storetest.SlotFiveSpots, fmt.Sprintf("u%d", i), fmt.Sprintf("t%d", i))
				resp, err := b.bookings.CreateBooking(ctx, req)
				if err != nil || resp.GetBooking() == nil {
					return
				}
				if replay, err := b.bookings.CreateBooking(ctx, req); err != nil || replay.GetBooking().GetBookingId() != resp.GetBooking().GetBookingId() {
					t.Errorf("replay: %v %v", replay, err)
				}
				if i%2 == 0 {
					live.Add(1)
					return
				}
				upd, err := b.bookings.UpdateBooking(ctx, &acv3.UpdateBookingRequest{Booking: &acv3.Booking{BookingId: resp.GetBooking().GetBookingId(), Status: acv3.BookingStatus_CANCELED}})
				if err != nil || upd.GetBookingFailure() != nil {
					t.Errorf("cancel: %v %v", upd, err)
				}
			}()
		}
		wg.Wait()
		resp, err := b.bookings.CheckAvailability(b.googleCtx(), &acv3.CheckAvailabilityRequest{Slot: bookReq(storetest.SlotFiveSpots, "", "").GetSlot()})
		if err != nil || int64(resp.GetCountAvailable()) != 5-live.Load() {
			t.Errorf("count_available %d (%v), want %d", resp.GetCountAvailable(), err, 5-live.Load())
		}
		if fixed, err := b.store.Reconcile(time.Time{}); err != nil || fixed != 0 {
			t.Errorf("invariant: %d fixed, %v", fixed, err)
		}
	})
}
