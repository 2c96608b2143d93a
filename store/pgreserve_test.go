package store_test

import (
	"context"
	"sync"
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
	var got string
	errFirst, errSecond := secondWaitsForFirst(t, "the token", p, p, func(tx booking.Tx) error {
		if _, err := tx.Idempotency("tok"); err == nil {
			t.Error("the first reservation found an answer")
		}
		return tx.PutIdempotency("tok", &bsv1.IdempotencyRecord{Booking: &acv3.Booking{BookingId: "first"}, CreatedUnix: 1})
	}, func(tx booking.Tx) error {
		rec, err := tx.Idempotency("tok")
		if err != nil {
			return err
		}
		got = rec.GetBooking().GetBookingId()
		return nil
	})
	if errFirst != nil {
		t.Fatal(errFirst)
	}
	if errSecond != nil || got != "first" {
		t.Fatalf("the second reservation read %q (%v), want the first's answer", got, errSecond)
	}
}

// secondWaitsForFirst runs first in a reservation of p1 that is then held open,
// starts second in a reservation of p2, fails the test unless a session of p2 is
// seen waiting on a lock in the database (on what) before second ends, and then
// lets first commit. It returns both reservations' errors. (Waiting a fixed time
// instead proved nothing on a loaded machine: second could start after first was
// let go, and read what it committed without waiting.)
func secondWaitsForFirst(t *testing.T, what string, p1, p2 *store.Postgres, first, second func(booking.Tx) error) (errFirst, errSecond error) {
	t.Helper()
	ctx := t.Context()
	holding, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	releaseFirst := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseFirst() // also when the test fails here
	firstDone := make(chan error, 1)
	go func() {
		var once sync.Once
		firstDone <- p1.Reserve(ctx, func(tx booking.Tx) error {
			err := first(tx)
			once.Do(func() { close(holding) }) // a run again is not held
			<-release
			return err
		})
	}()
	<-holding
	secondDone := make(chan error, 1)
	go func() { secondDone <- p2.Reserve(ctx, second) }()
	for deadline := time.Now().Add(10 * time.Second); !waitingOnALock(t, p1, store.SessionName(p2)); {
		select {
		case err := <-secondDone:
			t.Fatalf("the second reservation did not wait for %s: %v", what, err)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second reservation was not seen waiting for %s", what)
		}
	}
	releaseFirst()
	return <-firstDone, <-secondDone
}

// waitingOnALock reports, asking through p, whether a session named name waits
// on a lock.
func waitingOnALock(t *testing.T, p *store.Postgres, name string) bool {
	t.Helper()
	var waiting bool
	if err := p.Pool().QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
		WHERE application_name = $1 AND wait_event_type = 'Lock')`, name).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	return waiting
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

// TestPostgresReadAheadAnswersOnce: a reservation that reads ahead gets the
// token's answer, the slots and whether the user holds one as its reads would,
// each once: a second read sees the reservation's own writes.
func TestPostgresReadAheadAnswersOnce(t *testing.T) {
	t.Parallel()
	p := storetest.NewPostgres(t)
	storetest.LoadFixture(t, p)
	ctx := t.Context()
	ahead := booking.ReadAhead{Token: "tok-1", MerchantID: "m1", ServiceID: "haircut", StartSec: storetest.SlotOneSpot, DurationSec: storetest.SlotDuration, UserID: "u1"}
	err := p.Reserve(ctx, func(tx booking.Tx) error {
		if err := tx.(booking.ReadAheader).ReadAhead(ahead); err != nil {
			return err
		}
		if _, err := tx.Idempotency("tok-1"); err != booking.ErrNotFound {
			t.Errorf("token read ahead: %v, want not found", err)
		}
		slot := oneSpotSlot(t, tx)
		if slot.Booked != 0 || slot.Availability.GetSpotsOpen() != 1 {
			t.Errorf("slot read ahead: %+v", slot)
		}
		if held, err := tx.UserHoldsSlot("u1", slot.Key); err != nil || held {
			t.Errorf("user holds the slot, read ahead: %v, %v; want false", held, err)
		}
		rec := &bsv1.BookingRecord{Booking: &acv3.Booking{BookingId: "bk-1", Status: acv3.BookingStatus_CONFIRMED, UserInformation: &acv3.UserInformation{UserId: "u1"},
			Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: storetest.SlotOneSpot, DurationSec: storetest.SlotDuration}}, SlotKey: slot.Key}
		if err := tx.PutBooking(rec); err != nil {
			return err
		}
		if err := tx.AddBooked(slot.Key, 1); err != nil {
			return err
		}
		if err := tx.PutIdempotency("tok-1", &bsv1.IdempotencyRecord{PendingBookingId: "bk-1", CreatedUnix: time.Now().Unix()}); err != nil {
			return err
		}
		// Read again: from the database, with the writes above.
		if got := oneSpotSlot(t, tx); got.Booked != 1 {
			t.Errorf("slot read again: %d booked, want 1", got.Booked)
		}
		if held, err := tx.UserHoldsSlot("u1", slot.Key); err != nil || !held {
			t.Errorf("user holds the slot, read again: %v, %v; want true", held, err)
		}
		if r, err := tx.Idempotency("tok-1"); err != nil || r.GetPendingBookingId() != "bk-1" {
			t.Errorf("token read again: %v, %v", r, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A replay reads the stored answer ahead.
	err = p.Reserve(ctx, func(tx booking.Tx) error {
		if err := tx.(booking.ReadAheader).ReadAhead(ahead); err != nil {
			return err
		}
		r, err := tx.Idempotency("tok-1")
		if err != nil || r.GetPendingBookingId() != "bk-1" {
			t.Errorf("replay's token read ahead: %v, %v", r, err)
		}
		if slot := oneSpotSlot(t, tx); slot.Booked != 1 {
			t.Errorf("replay's slot read ahead: %d booked, want 1", slot.Booked)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPostgresReserveNeverReplacesABooking: a reservation writes new bookings only
// (booking.Reserver), so its booking is a plain insert: one that names a booking
// already stored fails, and the stored booking is left as it was.
func TestPostgresReserveNeverReplacesABooking(t *testing.T) {
	t.Parallel()
	p := storetest.NewPostgres(t)
	ctx := t.Context()
	stored := func(user string) *bsv1.BookingRecord {
		return &bsv1.BookingRecord{Booking: &acv3.Booking{BookingId: "bk-1", UserInformation: &acv3.UserInformation{UserId: user},
			Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut"}}}
	}
	if err := p.Update(ctx, func(tx booking.Tx) error { return tx.PutBooking(stored("u1")) }); err != nil {
		t.Fatal(err)
	}
	if err := p.Reserve(ctx, func(tx booking.Tx) error { return tx.PutBooking(stored("u2")) }); err == nil {
		t.Fatal("a reservation replaced a stored booking")
	}
	err := p.View(ctx, func(tx booking.ReadTx) error {
		rec, err := tx.Booking("bk-1")
		if err == nil && rec.GetBooking().GetUserInformation().GetUserId() != "u1" {
			t.Errorf("stored booking now of %q, want u1", rec.GetBooking().GetUserInformation().GetUserId())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPostgresReservationsOfASlotTakeTurns: a reservation of a slot another one
// holds waits for it to commit, then reads the count it left and runs once (no
// spot taken past it, no failure to retry). In serializable-only mode it waits
// too, but its snapshot is older than the other's commit: it runs once more.
func TestPostgresReservationsOfASlotTakeTurns(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	first, second := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	storetest.LoadFixture(t, first)
	runs, took := 0, false
	errFirst, errSecond := secondWaitsForFirst(t, "the slot", first, second, func(tx booking.Tx) error {
		tookFirst, err := takeIfOpen(t, tx)
		if err == nil && !tookFirst {
			t.Error("the first reservation found the one-spot slot full")
		}
		return err
	}, func(tx booking.Tx) error {
		runs++
		var err error
		took, err = takeIfOpen(t, tx)
		return err
	})
	if errFirst != nil {
		t.Fatal(errFirst)
	}
	wantRuns := 1
	if first.SerializableOnly() {
		wantRuns = 2
	}
	if errSecond != nil || runs != wantRuns || took {
		t.Fatalf("second reservation: %v, %d runs, took a spot %v; want %d runs, the last finding the slot full", errSecond, runs, took, wantRuns)
	}
	assertBooked(t, first, 1)
}

// TestPostgresReserveTakesOnlySlotsItRead: a reservation that takes a spot of a
// slot it never read holds no lock of that slot (a concurrent reservation, or the
// settle of a transaction of unknown outcome, would not wait for it) and knows no
// spots_open to check its count against: here it would book a full one-spot slot
// a second time. The booking core always reads the slot first (booking.Reserver);
// the store refuses such a take, and the reservation commits nothing.
func TestPostgresReserveTakesOnlySlotsItRead(t *testing.T) {
	t.Parallel()
	p := storetest.NewPostgres(t)
	storetest.LoadFixture(t, p)
	ctx := t.Context()
	var key []byte
	if err := p.Reserve(ctx, func(tx booking.Tx) error {
		took, err := takeIfOpen(t, tx)
		if !took {
			t.Fatal("the one-spot slot is not open")
		}
		key = oneSpotSlot(t, tx).Key
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := p.Reserve(ctx, func(tx booking.Tx) error { return tx.AddBooked(key, 1) })
	if err == nil {
		t.Error("a reservation took a spot of a slot it never read")
	}
	t.Logf("the unread slot's take: %v", err)
	assertBooked(t, p, 1)
}
