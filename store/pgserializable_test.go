package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestPostgresUpdateRetriesSerializationFailure: two Updates each read the token the
// other writes (write skew). SERIALIZABLE cannot commit both as they ran:
// PostgreSQL fails one with 40001 mid-transaction, Update runs it again (again
// while the other is still open), and both return without error, the one that
// committed last having read the other's answer.
func TestPostgresUpdateRetriesSerializationFailure(t *testing.T) {
	t.Parallel()
	p := storetest.NewPostgres(t)
	var (
		attempts atomic.Int32
		bothRead sync.WaitGroup
		sawOther [2]atomic.Bool
	)
	bothRead.Add(2)
	skew := func(i int, read, write string) error {
		first := true
		return p.Update(t.Context(), func(tx booking.Tx) error {
			attempts.Add(1)
			_, err := tx.Idempotency(read)
			if err != nil && !errors.Is(err, booking.ErrNotFound) {
				return err
			}
			sawOther[i].Store(err == nil) // what the attempt that commits read
			if first {
				// Both read before either writes.
				first = false
				bothRead.Done()
				bothRead.Wait()
			}
			return tx.PutIdempotency(write, &bsv1.IdempotencyRecord{Booking: &acv3.Booking{BookingId: write}, CreatedUnix: 1})
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- skew(0, "a", "b") }()
	go func() { errs <- skew(1, "b", "a") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("update: %v, want the serialization failure retried", err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Fatalf("%d attempts, want a transaction that failed to serialize run again", n)
	}
	if sawOther[0].Load() == sawOther[1].Load() {
		t.Fatalf("committed runs read the other's answer: %v %v, want exactly one (the one run again)", sawOther[0].Load(), sawOther[1].Load())
	}
}

// TestPostgresReplicaLocksTakeTurns: a replica lock (the migrations', a feed load's)
// held on one connection makes a second taker wait until it is released, as an
// advisory lock and as a lock row (serializable-only mode) — also when the hold
// lasts longer than the sessions' idle in transaction timeout (shortened to 50 ms
// here): a lock row's transaction is idle for as long as the work it guards.
func TestPostgresReplicaLocksTakeTurns(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		rows bool
	}{{"advisory lock", false}, {"lock row", true}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			// The schema is migrated first with the default timeout: a migration's
			// transaction was ended by the 50 ms one under CI's load.
			url := storetest.PostgresURL(t)
			storetest.OpenPostgres(t, url)
			pool := storetest.OpenPostgres(t, url, store.IdleInTransactionTimeout(50*time.Millisecond)).Pool()
			const key = 42
			release, err := store.HoldReplicaLock(t.Context(), pool, mode.rows, key)
			if err != nil {
				t.Fatal(err)
			}
			released := sync.OnceFunc(release)
			defer released() // a failed test gives the connection back: the store's Close waits for it
			type taken struct {
				release func()
				err     error
			}
			second := make(chan taken, 1)
			go func() {
				release, err := store.HoldReplicaLock(t.Context(), pool, mode.rows, key)
				second <- taken{release, err}
			}()
			select {
			case got := <-second:
				if got.err == nil {
					got.release()
				}
				t.Fatalf("the second taker did not wait for the lock (%v)", got.err)
			case <-time.After(300 * time.Millisecond):
			}
			released()
			select {
			case got := <-second:
				if got.err != nil {
					t.Fatal(got.err)
				}
				got.release()
			case <-time.After(10 * time.Second):
				t.Fatal("the second taker did not get the lock once it was released")
			}
		})
	}
}

// TestPostgresReplicaLockFreedWhenItsHolderDies: the connection holding a replica
// lock ends (its replica died), and the next taker gets the lock, as an advisory
// lock (the session ends) and as a lock row (its transaction is rolled back).
func TestPostgresReplicaLockFreedWhenItsHolderDies(t *testing.T) {
	t.Parallel()
	const key = 43 // advisory locks are database-wide: a key no other test takes
	for _, mode := range []struct {
		name   string
		rows   bool
		holder string // the holding backend's pid ($1: the key)
	}{
		{"advisory lock", false, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 AND objid = $1
			AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`},
		{"lock row", true, `SELECT pid FROM pg_locks WHERE relation = 'replica_locks'::regclass AND granted
			AND mode = 'RowExclusiveLock' AND EXISTS (SELECT 1 FROM replica_locks WHERE id = $1)`},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			pool := storetest.NewPostgres(t).Pool()
			release, err := store.HoldReplicaLock(t.Context(), pool, mode.rows, key)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			var pid int
			if err := pool.QueryRow(t.Context(), mode.holder, key).Scan(&pid); err != nil {
				t.Fatalf("the holder's backend: %v", err)
			}
			if _, err := pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			again, err := store.HoldReplicaLock(ctx, pool, mode.rows, key)
			if err != nil {
				t.Fatalf("the lock of a dead holder was not freed: %v", err)
			}
			again()
		})
	}
}

// TestPostgresReserveAnswersATokenOnce: two reservations of one token race, the
// first held open after it read no answer; whichever stores its answer first,
// the other runs again and answers the same, in either isolation mode (READ
// COMMITTED: the second waits on the token's lock, or on the slot's when both read
// ahead; serializable-only, or two slots read ahead: the second commits, and the
// first's insert finds the token taken and runs again).
func TestPostgresReserveAnswersATokenOnce(t *testing.T) {
	t.Parallel()
	type ahead struct {
		name         string
		first, other int64 // the slots read ahead (0: none)
	}
	for _, mode := range []struct {
		name string
		opts []store.PostgresOption
	}{{"read committed", nil}, {"serializable-only", []store.PostgresOption{store.SerializableOnly()}}} {
		for _, ra := range []ahead{{"", 0, 0}, {"reading ahead one slot", storetest.SlotFiveSpots, storetest.SlotFiveSpots},
			{"reading ahead two slots", storetest.SlotFiveSpots, storetest.SlotOther}} {
			t.Run(strings.TrimSpace(mode.name+" "+ra.name), func(t *testing.T) {
				t.Parallel()
				answersATokenOnce(t, mode.opts, ra.first, ra.other)
			})
		}
	}
}

// answersATokenOnce races the reservations of TestPostgresReserveAnswersATokenOnce,
// the first reading ahead slot first and the second slot other (0: no read ahead).
func answersATokenOnce(t *testing.T, opts []store.PostgresOption, first, other int64) {
	url := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgres(t, url, opts...), storetest.OpenPostgres(t, url, opts...)
	storetest.LoadFixture(t, a)
	holding, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	reserve := func(p *store.Postgres, answer string, hold bool, start int64, got *string) error {
		return p.Reserve(context.Background(), func(tx booking.Tx) error {
			if start != 0 {
				err := tx.(booking.ReadAheader).ReadAhead(booking.ReadAhead{Token: "tok", MerchantID: "m1", ServiceID: "haircut",
					StartSec: start, DurationSec: storetest.SlotDuration, UserID: "u1"})
				if err != nil {
					return err
				}
			}
			rec, err := tx.Idempotency("tok")
			if err == nil {
				*got = rec.GetBooking().GetBookingId()
				return nil
			}
			if !errors.Is(err, booking.ErrNotFound) {
				return err
			}
			if hold {
				once.Do(func() { close(holding); <-release })
			}
			*got = answer
			return tx.PutIdempotency("tok", &bsv1.IdempotencyRecord{Booking: &acv3.Booking{BookingId: answer}, CreatedUnix: 1})
		})
	}
	var firstAnswer, second string
	firstDone := make(chan error, 1)
	go func() { firstDone <- reserve(a, "first", true, first, &firstAnswer) }()
	<-holding
	secondDone := make(chan error, 1)
	go func() { secondDone <- reserve(b, "second", false, other, &second) }()
	select {
	case err := <-secondDone: // serializable-only: it did not wait
		if err != nil {
			t.Fatal(err)
		}
		close(release)
	case <-time.After(300 * time.Millisecond): // read committed: it waits on the token
		close(release)
		if err := <-secondDone; err != nil {
			t.Fatal(err)
		}
	}
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if firstAnswer != second {
		t.Fatalf("the reservations answered %q and %q, want one answer", firstAnswer, second)
	}
}

// TestPostgresSerializableOnlyMode: a store opened serializable-only runs even the
// transactions and statements that name no isolation level SERIALIZABLE, as
// CockroachDB does; a store on PostgreSQL is not serializable-only by itself.
func TestPostgresSerializableOnlyMode(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	s := storetest.OpenPostgres(t, url, store.SerializableOnly())
	var level string
	if err := s.Pool().QueryRow(t.Context(), `SHOW transaction_isolation`).Scan(&level); err != nil || level != "serializable" {
		t.Fatalf("serializable-only store: a statement runs %q (%v), want serializable", level, err)
	}
	p, err := store.OpenPostgres(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.SerializableOnly() {
		t.Fatal("PostgreSQL detected as serializable-only")
	}
}

// TestPostgresIncrementalFeedUpsertsSlots: an incremental availability feed of more
// slots than one upsert statement writes adds the new slots and replaces the record
// of an existing one, whether it goes through a temporary table (PostgreSQL) or
// through arrays (serializable-only mode: CockroachDB has no ON COMMIT DROP).
func TestPostgresIncrementalFeedUpsertsSlots(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		opts []store.PostgresOption
	}{{"temporary table", nil}, {"arrays", []store.PostgresOption{store.SerializableOnly()}}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			s := storetest.OpenPostgres(t, storetest.PostgresURL(t), mode.opts...)
			storetest.LoadFixture(t, s)
			const added = 10001 // more than one statement's worth
			slots := []string{fmt.Sprintf(`{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d","spots_total":"3","spots_open":"3"}`,
				storetest.SlotOneSpot, storetest.SlotDuration)}
			for i := range int64(added) {
				slots = append(slots, fmt.Sprintf(`{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d","spots_total":"1","spots_open":"1"}`,
					t0+2*86400+i*dur, dur))
			}
			feed := fmt.Appendf(nil, `{"metadata":{%s},"service_availability":[{"availability":[%s]}]}`, incremental(1700000100), strings.Join(slots, ","))
			if sum := mustLoadAvailability(t, s, feed); sum.Records != added+1 {
				t.Fatalf("load: %+v, want %d records", sum, added+1)
			}
			err := s.View(t.Context(), func(tx booking.ReadTx) error {
				if got := oneSpotSlot(t, tx).Availability.GetSpotsTotal(); got != 3 {
					t.Errorf("the existing slot has %d spots, want the feed's 3", got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := s.Pool().QueryRow(t.Context(), `SELECT count(*) FROM slots WHERE slot_key_start(slot_key) >= $1`, t0+2*86400).Scan(&n); err != nil || n != added {
				t.Fatalf("%d slots from the first added one on (%v), want %d", n, err, added)
			}
		})
	}
}
