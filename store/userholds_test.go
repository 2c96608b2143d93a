package store_test

import (
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// heldSlot names a slot of the fixture's service by its start, duration and staff.
type heldSlot struct {
	start, duration int64
	staff           string
}

func (s heldSlot) key() []byte {
	return feeds.NewSlotKey("m1", "haircut", s.start, s.duration, s.staff, "", 0)
}

// TestUserHoldsSlot: UserHoldsSlot is true exactly when the user has a live booking
// of that very slot — not a cancelled one, not one of a slot of another start,
// duration or staff, not another user's — on every store, in a read transaction
// and, where the store reads ahead, from a reservation's read-ahead of the slot's
// start and duration (whose range holds the slots of every staff).
func TestUserHoldsSlot(t *testing.T) {
	t.Parallel()
	start, duration := storetest.SlotFiveSpots, storetest.SlotDuration
	held := heldSlot{start, duration, ""}
	otherStart := heldSlot{start + 3600, duration, ""}
	otherDuration := heldSlot{start, duration + 1800, ""}
	otherStaff := heldSlot{start, duration, "staff-2"}
	cancelled := heldSlot{storetest.SlotOther, duration, ""}
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		bookings := []struct {
			id, user string
			slot     heldSlot
			status   acv3.BookingStatus
		}{
			{"b1", "u1", held, acv3.BookingStatus_CONFIRMED},
			{"b2", "u1", cancelled, acv3.BookingStatus_CANCELED},
			// A newer cancelled booking of the slot held does not hide the live one.
			{"b3", "u1", held, acv3.BookingStatus_CANCELED},
			{"b4", "u2", otherDuration, acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION},
		}
		err := s.Update(t.Context(), func(tx booking.Tx) error {
			for i, b := range bookings {
				rec := &bsv1.BookingRecord{
					Booking: &acv3.Booking{BookingId: b.id, Status: b.status, UserInformation: &acv3.UserInformation{UserId: b.user},
						Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: b.slot.start, DurationSec: b.slot.duration}},
					SlotKey:     b.slot.key(),
					CreatedUnix: int64(100 * (i + 1)),
				}
				if err := tx.PutBooking(rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, user string
			slot       heldSlot
			want       bool
		}{
			{"live booking of the slot", "u1", held, true},
			{"cancelled booking", "u1", cancelled, false},
			{"same service, other start", "u1", otherStart, false},
			{"same start, other duration", "u1", otherDuration, false},
			{"same start and duration, other staff", "u1", otherStaff, false},
			{"another user's booking", "u2", held, false},
			{"booking pending the merchant", "u2", otherDuration, true},
			{"user without bookings", "u3", held, false},
		} {
			var got bool
			err := s.View(t.Context(), func(tx booking.ReadTx) (err error) {
				got, err = tx.UserHoldsSlot(c.user, c.slot.key())
				return err
			})
			if err != nil || got != c.want {
				t.Errorf("%s: UserHoldsSlot %v, %v; want %v", c.name, got, err, c.want)
			}
			r, ok := s.(booking.Reserver)
			if !ok {
				continue
			}
			err = r.Reserve(t.Context(), func(tx booking.Tx) (err error) {
				ahead := booking.ReadAhead{Token: "tok-" + c.name, MerchantID: "m1", ServiceID: "haircut",
					StartSec: c.slot.start, DurationSec: c.slot.duration, UserID: c.user}
				if err := tx.(booking.ReadAheader).ReadAhead(ahead); err != nil {
					return err
				}
				got, err = tx.UserHoldsSlot(c.user, c.slot.key())
				return err
			})
			if err != nil || got != c.want {
				t.Errorf("%s: UserHoldsSlot read ahead %v, %v; want %v", c.name, got, err, c.want)
			}
		}
	})
}
