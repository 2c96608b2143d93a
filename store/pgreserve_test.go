package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// oneSpotSlot reads the fixture's one-spot slot in tx.
func oneSpotSlot(t *testing.T, tx booking.ReadTx) booking.Slot {
	t.Helper()
	var slot booking.Slot
	if err := tx.Slots("m1", "haircut", storetest.SlotOneSpot, storetest.SlotDuration, func(s booking.Slot) bool { slot = s; return false }); err != nil || slot.Key == nil {
		t.Fatalf("read the one-spot slot: %v", err)
	}
	return slot
}

// takeIfOpen takes a spot of the one-spot slot when the count tx reads leaves one.
func takeIfOpen(t *testing.T, tx booking.Tx) (bool, error) {
	slot := oneSpotSlot(t, tx)
	if slot.Open() <= 0 {
		return false, nil
	}
	return true, tx.AddBooked(slot.Key, 1)
}

// TestPostgresReserveNeverPassesSpotsOpen: a reservation read a free spot, then an
// update (not a reservation: it does not wait on the slot's lock) took it; the
// reservation's take fails, it runs again, reads the slot full and takes nothing.
func TestPostgresReserveNeverPassesSpotsOpen(t *testing.T) {
	t.Parallel()
	p := storetest.NewPostgres(t)
	storetest.LoadFixture(t, p)
	ctx := t.Context()
	attempts, took := 0, false
	err := p.Reserve(ctx, func(tx booking.Tx) error {
		attempts++
		slot := oneSpotSlot(t, tx)
		if attempts == 1 {
			if err := p.Update(ctx, func(other booking.Tx) error { _, err := takeIfOpen(t, other); return err }); err != nil {
				t.Fatalf("the concurrent update: %v", err)
			}
		}
		took = false
		if slot.Open() <= 0 {
			return nil
		}
		took = true
		return tx.AddBooked(slot.Key, 1)
	})
	if err != nil || attempts != 2 || took {
		t.Fatalf("reserve: err %v, %d attempts, took %v; want no error, 2 attempts, nothing taken", err, attempts, took)
	}
	assertBooked(t, p, 1)
}

// TestPostgresReserveTakesTurnsOnAToken: a reservation of a token another one holds
// waits for it to commit and reads the answer it stored (READ COMMITTED's token
// lock; TestPostgresReserveAnswersATokenOnce covers both modes).
func TestPostgresReserveTakesTurnsOnAToken(t *testing.T) {
	t.Parallel()
	p := storetest.NewPostgres(t)
	if p.SerializableOnly() {
		t.Skip("serializable-only reservations take no token lock: the primary key orders them")
	}
	ctx := t.Context()
	holding, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- p.Reserve(ctx, func(tx booking.Tx) error {
			if _, err := tx.Idempotency("tok"); err == nil {
				t.Error("the first reservation found an answer")
			}
			select {
			case <-holding:
			default:
				close(holding)
			}
			<-release
			return tx.PutIdempotency("tok", &bsv1.IdempotencyRecord{Booking: &acv3.Booking{BookingId: "first"}, CreatedUnix: 1})
		})
	}()
	<-holding
	var got string
	second := make(chan error, 1)
	go func() {
		second <- p.Reserve(ctx, func(tx booking.Tx) error {
			rec, err := tx.Idempotency("tok")
			if err != nil {
				return err
			}
			got = rec.GetBooking().GetBookingId()
			return nil
		})
	}()
	select {
	case err := <-second:
		t.Fatalf("the second reservation did not wait for the token: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil || got != "first" {
		t.Fatalf("the second reservation read %q (%v), want the first's answer", got, err)
	}
}

// assertBooked checks the one-spot slot's count.
func assertBooked(t *testing.T, p *store.Postgres, want int64) {
	t.Helper()
	err := p.View(context.Background(), func(tx booking.ReadTx) error {
		if got := oneSpotSlot(t, tx).Booked; got != want {
			t.Errorf("one-spot slot booked %d, want %d", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
