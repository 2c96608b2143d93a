package store_test

import (
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestEraseCustomerData: the personal data of bookings whose slot ended before the
// cutoff is erased, with their delivered notifications; their status, payment and
// ledger stay; a booking whose slot has not ended (or ends after the cutoff) keeps
// everything; a second sweep erases nothing, and a slot that ends later is erased by
// a later sweep.
func TestEraseCustomerData(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		ctx := t.Context()
		const day = 24 * 60 * 60
		slots := map[string]int64{"old": storetest.SlotOneSpot, "long": storetest.SlotOneSpot, "new": storetest.SlotOneSpot + 30*day}
		err := s.Update(ctx, func(tx booking.Tx) error {
			for id, start := range slots {
				dur := storetest.SlotDuration
				if id == "long" {
					dur = 3 * day // starts with "old", ends two days and more after it
				}
				if err := tx.PutBooking(&bsv1.BookingRecord{
					Booking: &acv3.Booking{BookingId: id, Status: acv3.BookingStatus_CONFIRMED,
						Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: start, DurationSec: dur},
						UserInformation: &acv3.UserInformation{UserId: "u-" + id, GivenName: "Ada", FamilyName: "Lovelace",
							Email: "ada@example.com", Telephone: "+44 20 7946 0000", LanguageCode: "en",
							Address: &acv3.PostalAddress{Country: "GB", Locality: "London", StreetAddress: "12 St James's Sq"}}},
					AdditionalRequest: "window seat",
					Payment:           &bsv1.BookingPayment{State: bsv1.PaymentState_PAYMENT_STATE_SETTLED},
				}); err != nil {
					return err
				}
				if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_CHARGE, BookingId: id,
					AmountMicros: 15_000_000, Currency: "USD", Processor: "sandbox", ProcessorId: "ch-" + id}); err != nil {
					return err
				}
				if err := tx.Enqueue(&bsv1.Notification{BookingId: id, MerchantId: "m1", Status: acv3.BookingStatus_CONFIRMED, UpdateMask: []string{"status"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		due, err := s.Outbox().Due(ctx, time.Now(), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range due {
			if err := s.Outbox().Delivered(ctx, r.GetId()); err != nil {
				t.Fatal(err)
			}
		}

		end := time.Unix(storetest.SlotOneSpot+storetest.SlotDuration, 0)
		if n, err := s.EraseCustomerData(end.Add(-time.Second)); err != nil || n != 0 {
			t.Fatalf("before the slot ended: erased %d (%v), want 0", n, err)
		}
		if n, err := s.EraseCustomerData(end.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("erased %d (%v), want 1", n, err)
		}
		if n, err := s.EraseCustomerData(end.Add(2 * time.Hour)); err != nil || n != 0 {
			t.Fatalf("second sweep erased %d (%v), want 0", n, err)
		}
		check := func(id string, wantErased bool) {
			t.Helper()
			err := s.View(ctx, func(tx booking.ReadTx) error {
				rec, err := tx.Booking(id)
				if err != nil {
					return err
				}
				u := rec.GetBooking().GetUserInformation()
				erased := u.GetGivenName() == "" && u.GetFamilyName() == "" && u.GetEmail() == "" && u.GetTelephone() == "" &&
					u.GetAddress() == nil && rec.GetAdditionalRequest() == ""
				kept := u.GetGivenName() == "Ada" && u.GetEmail() != "" && u.GetAddress().GetLocality() == "London" && rec.GetAdditionalRequest() != ""
				if (wantErased && !erased) || (!wantErased && !kept) {
					t.Errorf("%s: user %v, note %q; want erased %v", id, u, rec.GetAdditionalRequest(), wantErased)
				}
				if u.GetUserId() != "u-"+id || rec.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED ||
					rec.GetPayment().GetState() != bsv1.PaymentState_PAYMENT_STATE_SETTLED {
					t.Errorf("%s: user id, status or payment lost: %v", id, rec)
				}
				var amount int64
				if err := tx.Ledger(id, func(e *bsv1.LedgerEntry) bool { amount += e.GetAmountMicros(); return true }); err != nil {
					return err
				}
				if amount != 15_000_000 {
					t.Errorf("%s: ledger sums to %d micros, want 15000000", id, amount)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			history, err := s.Outbox().BookingHistory(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if wantErased != (len(history) == 0) {
				t.Errorf("%s: %d delivered notifications left, want erased %v", id, len(history), wantErased)
			}
		}
		check("old", true)
		check("long", false)
		check("new", false)

		// Three days later the long slot is over too.
		if n, err := s.EraseCustomerData(end.Add(3 * 24 * time.Hour)); err != nil || n != 1 {
			t.Fatalf("after the long slot ended: erased %d (%v), want 1", n, err)
		}
		check("long", true)
		check("new", false)
	})
}

// TestPurgeWebhookEvents: applied webhooks older than the cutoff are forgotten, newer
// ones still stop a redelivery.
func TestPurgeWebhookEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		now := time.Unix(1_900_000_000, 0)
		err := s.Update(t.Context(), func(tx booking.Tx) error {
			if err := tx.MarkWebhook("stripe\x00m1\x00evt_old", now.Add(-40*24*time.Hour).Unix()); err != nil {
				return err
			}
			return tx.MarkWebhook("stripe\x00m1\x00evt_new", now.Add(-time.Hour).Unix())
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.PurgeWebhookEvents(now.Add(-store.WebhookEventRetention)); err != nil || n != 1 {
			t.Fatalf("purged %d (%v), want 1", n, err)
		}
		_ = s.View(t.Context(), func(tx booking.ReadTx) error {
			for key, want := range map[string]bool{"stripe\x00m1\x00evt_old": false, "stripe\x00m1\x00evt_new": true} {
				if seen, err := tx.WebhookSeen(key); err != nil || seen != want {
					t.Errorf("%q seen %v (%v), want %v", key, seen, err, want)
				}
			}
			return nil
		})
	})
}
