package store_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// BenchmarkUserHoldsSlot is the check every new booking makes, for a regular
// customer with 500 past bookings (among 5,000 of other users) and a slot she does
// not hold yet: UserHoldsSlot against the walk of BookingsByUser it replaced, which
// read and decoded all 500, side by side on each store (Postgres when
// BOOKINGSERVER_TEST_DATABASE_URL names a database). Each op is one read
// transaction, one round trip on Postgres.
func BenchmarkUserHoldsSlot(b *testing.B) {
	for _, impl := range storetest.Stores {
		b.Run(impl.Name, func(b *testing.B) {
			s := impl.New(b)
			key := putRegularCustomer(b, s, 500, 5000)
			check := func(b *testing.B, held func(tx booking.ReadTx) (bool, error)) {
				b.ReportAllocs()
				for b.Loop() {
					err := s.View(b.Context(), func(tx booking.ReadTx) error {
						h, err := held(tx)
						if err == nil && h {
							err = fmt.Errorf("the new slot is held")
						}
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("BookingsByUser-walk", func(b *testing.B) {
				check(b, func(tx booking.ReadTx) (bool, error) {
					held := false
					err := tx.BookingsByUser("regular", func(r *bsv1.BookingRecord) bool {
						held = booking.HoldsSpot(r.GetBooking().GetStatus()) && bytes.Equal(r.GetSlotKey(), key)
						return !held
					})
					return held, err
				})
			})
			b.Run("UserHoldsSlot", func(b *testing.B) {
				check(b, func(tx booking.ReadTx) (bool, error) { return tx.UserHoldsSlot("regular", key) })
			})
		})
	}
}

// putRegularCustomer stores `mine` past bookings of user "regular" among `others` of
// other users (one in five cancelled, the rest still CONFIRMED, as past bookings
// stay), interleaved as they would be made, and returns the key of a later slot of
// the same service, which she does not hold.
func putRegularCustomer(b *testing.B, s store.Backend, mine, others int) []byte {
	b.Helper()
	every := (mine + others) / mine
	err := s.Update(b.Context(), func(tx booking.Tx) error {
		for i := range mine + others {
			user := fmt.Sprintf("u%d", i%997)
			if i%every == 0 {
				user = "regular"
			}
			status := acv3.BookingStatus_CONFIRMED
			if i%5 == 0 {
				status = acv3.BookingStatus_CANCELED
			}
			slot := heldSlot{storetest.SlotOneSpot - int64(i+1)*1800, storetest.SlotDuration, ""}
			rec := &bsv1.BookingRecord{
				Booking: &acv3.Booking{BookingId: fmt.Sprintf("bk-%d", i), Status: status,
					UserInformation: &acv3.UserInformation{UserId: user, GivenName: "Jane", FamilyName: "Doe", Email: user + "@example.com"},
					Slot:            &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: slot.start, DurationSec: slot.duration}},
				SlotKey:     slot.key(),
				CreatedUnix: slot.start - 7*86400,
				UpdatedUnix: slot.start - 7*86400,
			}
			if err := tx.PutBooking(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return heldSlot{storetest.SlotFiveSpots, storetest.SlotDuration, ""}.key()
}
