package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/internal/pgtest"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestPostgresCommitOfUnknownOutcome: the connection of a booking's reservation is
// lost at its COMMIT, through a proxy between the store and the database, or the
// COMMIT is answered as CockroachDB answers when it cannot know (40003). The caller
// gets an error and cannot know whether the booking committed; neither can the
// replica, which forgets its cached counts of the service, so that its next lookup
// answers what the database holds. A retry of the token on a healthy connection
// answers the booking that committed, or books the slot; once either way.
func TestPostgresCommitOfUnknownOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		loss      pgtest.Loss
		committed bool
	}{
		{"answer lost", pgtest.LoseCommitAnswer, true},
		{"commit lost", pgtest.LoseCommit, false},
		// CockroachDB's answer when it cannot know: an error, on a usable connection.
		{"ambiguous result", pgtest.AnswerCommitAmbiguously, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			proxy, p, other, direct := proxiedReplicas(t)
			core, otherCore := newCore(t, p), newCore(t, other)
			for _, s := range []*store.Postgres{p, other} {
				if err := s.WaitCacheWarm(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if open := oneSpotAvailable(t, core); open != 1 {
				t.Fatalf("before the booking the cache answers %d spots available, want 1", open)
			}
			eventuallyAvailable(t, otherCore, "the other replica before the booking", 1)

			cut := proxy.CutNextCommit(tc.loss)
			req := createOneSpot("tok-1")
			resp, err := core.Create(ctx, req)
			if err == nil {
				t.Fatalf("a booking whose connection was cut at COMMIT answered %v, want an error", resp)
			}
			t.Logf("the cut booking: %v", err)
			cut.Wait(t, "the proxy never cut a COMMIT")

			ids, booked := storedBookings(t, direct)
			var wantBooked int64
			if tc.committed {
				wantBooked = 1
			}
			if int64(len(ids)) != wantBooked || booked != wantBooked {
				t.Fatalf("in the database: bookings %q, slot count %d; want %d of each", ids, booked, wantBooked)
			}
			if open := int64(oneSpotAvailable(t, core)); open != 1-wantBooked {
				t.Fatalf("after the cut the replica answers %d spots available, want %d (the database's)", open, 1-wantBooked)
			}
			eventuallyAvailable(t, otherCore, "the other replica after the cut", int32(1-wantBooked))

			retry, err := core.Create(ctx, req)
			if err != nil || retry.GetBooking().GetBookingId() == "" {
				t.Fatalf("retry of the token: %v, %v; want a booking", retry, err)
			}
			if tc.committed && retry.GetBooking().GetBookingId() != ids[0] {
				t.Fatalf("retry answered booking %q, want %q, the one that committed", retry.GetBooking().GetBookingId(), ids[0])
			}
			ids, booked = storedBookings(t, direct)
			if len(ids) != 1 || ids[0] != retry.GetBooking().GetBookingId() || booked != 1 {
				t.Fatalf("after the retry the database has bookings %q and a slot count of %d; want %q and 1", ids, booked, retry.GetBooking().GetBookingId())
			}
			if open := oneSpotAvailable(t, core); open != 0 {
				t.Fatalf("after the retry the replica answers %d spots available, want 0", open)
			}
			eventuallyAvailable(t, otherCore, "the other replica after the retry", 0)
		})
	}
}

func newCore(t *testing.T, s booking.Store) *booking.Service {
	t.Helper()
	core, err := booking.New(booking.Config{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	return core
}

// eventuallyAvailable polls oneSpotAvailable until it answers want: another
// replica hears of changes after they commit.
func eventuallyAvailable(t *testing.T, core *booking.Service, what string, want int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for open := oneSpotAvailable(t, core); open != want; open = oneSpotAvailable(t, core) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d spots available after 10 s, want %d", what, open, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// oneSpotAvailable asks the core how many spots of the one-spot slot are available
// (the store's availability path: its cache).
func oneSpotAvailable(t *testing.T, core *booking.Service) int32 {
	t.Helper()
	resp, err := core.CheckAvailability(t.Context(), &acv3.CheckAvailabilityRequest{
		Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: storetest.SlotOneSpot, DurationSec: storetest.SlotDuration},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetCountAvailable()
}

// storedBookings reads, on a connection of its own, the ids of the bookings and the
// sum of the slot counts in the database at url.
func storedBookings(t *testing.T, url string) (ids []string, booked int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT booking_id FROM bookings ORDER BY booking_id`)
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT coalesce(sum(booked), 0) FROM slot_booked`).Scan(&booked); err != nil {
		t.Fatal(err)
	}
	return ids, booked
}

// TestPostgresCommitAfterItsClientGaveUp: a booking's COMMIT reaches the server
// after its client lost the connection, and after a lookup read the slot open.
// Both replicas see the slot taken once it commits: the counts a transaction of
// unknown outcome left are applied and broadcast once it has ended.
func TestPostgresCommitAfterItsClientGaveUp(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	proxy, p, other, direct := proxiedReplicas(t)
	core, otherCore := newCore(t, p), newCore(t, other)
	eventuallyAvailable(t, core, "the replica of the booking before it", 1)
	eventuallyAvailable(t, otherCore, "the other replica before the booking", 1)

	cut := proxy.CutNextCommit(pgtest.CommitAfterCut)
	if resp, err := core.Create(ctx, createOneSpot("tok-1")); err == nil {
		t.Fatalf("a booking whose connection was cut at COMMIT answered %v, want an error", resp)
	}
	if open := oneSpotAvailable(t, core); open != 1 {
		t.Fatalf("before the COMMIT reached the server the replica answers %d spots available, want 1", open)
	}
	cut.Release()
	cut.Wait(t, "the COMMIT was never answered")
	// pgx sends a cancel request for a connection it lost: a write the server still
	// runs then fails, and the late COMMIT rolls back (5 runs in 25, serializable-only,
	// with the store suite running beside).
	// Either way both replicas come to answer what the database holds.
	ids, booked := storedBookings(t, direct)
	if int64(len(ids)) != booked || booked > 1 {
		t.Fatalf("in the database: bookings %q, slot count %d; want as many of each, at most one", ids, booked)
	}
	if booked == 0 {
		t.Log("the late COMMIT rolled back: pgx's cancel request reached a write still under way")
	}
	eventuallyAvailable(t, core, "the replica of the booking after its COMMIT", int32(1-booked))
	eventuallyAvailable(t, otherCore, "the other replica after the COMMIT", int32(1-booked))
}

// proxiedReplicas opens two replicas on a fresh schema with the fixture: p through
// a proxy that can cut its commits (opened with opts), other directly (at the URL
// direct).
func proxiedReplicas(t *testing.T, opts ...store.PostgresOption) (proxy *pgtest.Proxy, p, other *store.Postgres, direct string) {
	t.Helper()
	return proxiedReplicasAt(t, "", opts...)
}

// proxiedReplicasAt is proxiedReplicas with params (&name=value…) added to p's URL.
func proxiedReplicasAt(t *testing.T, params string, opts ...store.PostgresOption) (proxy *pgtest.Proxy, p, other *store.Postgres, direct string) {
	t.Helper()
	direct = storetest.PostgresURL(t)
	proxy = pgtest.NewProxy(t, direct)
	p, other = storetest.OpenPostgres(t, proxy.URL()+params, opts...), storetest.OpenPostgres(t, direct)
	storetest.LoadFixture(t, p)
	return proxy, p, other, direct
}

// createOneSpot asks for the one-spot slot with token.
func createOneSpot(token string) *acv3.CreateBookingRequest {
	return &acv3.CreateBookingRequest{
		Slot:             &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: storetest.SlotOneSpot, DurationSec: storetest.SlotDuration},
		UserInformation:  &acv3.UserInformation{UserId: "u1", GivenName: "Jane", Email: "u1@example.com"},
		IdempotencyToken: token,
	}
}

// TestPostgresUpdateOfUnknownOutcome: a cancellation's count change (a SERIALIZABLE
// Update, whose COMMIT is a simple query) loses its COMMIT's answer. Both replicas
// then answer the count it committed.
func TestPostgresUpdateOfUnknownOutcome(t *testing.T) {
	t.Parallel()
	proxy, p, other, direct := proxiedReplicas(t)
	addBooked(t, p, 2)
	eventually(t, p, "the replica of the bookings", func(s booking.SlotSummary) bool { return s.Booked == 2 })
	eventually(t, other, "the other replica after the bookings", func(s booking.SlotSummary) bool { return s.Booked == 2 })

	cut := proxy.CutNextCommit(pgtest.LoseCommitAnswer)
	err := p.Update(t.Context(), func(tx booking.Tx) error {
		var key []byte
		if err := tx.Slots("m1", "haircut", storetest.SlotFiveSpots, storetest.SlotDuration, func(s booking.Slot) bool { key = s.Key; return false }); err != nil {
			return err
		}
		return tx.AddBooked(key, -1)
	})
	if err == nil {
		t.Fatal("a cancellation whose COMMIT's answer was lost answered no error")
	}
	<-cut.Done()
	if _, booked := storedBookings(t, direct); booked != 1 {
		t.Fatalf("in the database the slot count is %d, want 1", booked)
	}
	if got := summaryOf(t, p).Booked; got != 1 {
		t.Fatalf("after the cut the replica answers %d booked, want 1 (the database's)", got)
	}
	eventually(t, other, "the other replica after the cut", func(s booking.SlotSummary) bool { return s.Booked == 1 })
}

// TestPostgresUpdateOfUnknownOutcomeInsertingTheCount: an Update (a cart payment
// that takes a spot again, say) inserts the first count row of a slot no booking
// has counted yet, and its COMMIT is of unknown outcome: its answer is lost, or it
// reaches the server only after the client gave up (and after the settle began).
// The settle waits for the transaction that inserted the row (its placeholder
// insert of the key waits on the row's), then both replicas answer the count it
// committed.
func TestPostgresUpdateOfUnknownOutcomeInsertingTheCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		loss pgtest.Loss
	}{
		{"answer lost", pgtest.LoseCommitAnswer},
		{"late commit", pgtest.CommitAfterCut},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proxy, p, other, direct := proxiedReplicas(t)
			for _, s := range []*store.Postgres{p, other} {
				// Filled, a cache answers the count it holds until it hears of another.
				if err := s.WaitCacheWarm(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, p, "the replica of the update before it", func(s booking.SlotSummary) bool { return s.Booked == 0 })
			eventually(t, other, "the other replica before the update", func(s booking.SlotSummary) bool { return s.Booked == 0 })
			if _, booked := storedBookings(t, direct); booked != 0 {
				t.Fatalf("before the update the database counts %d, want no count row", booked)
			}

			cut := proxy.CutNextCommit(tc.loss)
			err := p.Update(t.Context(), func(tx booking.Tx) error {
				var key []byte
				if err := tx.Slots("m1", "haircut", storetest.SlotFiveSpots, storetest.SlotDuration, func(s booking.Slot) bool { key = s.Key; return false }); err != nil {
					return err
				}
				return tx.AddBooked(key, 1)
			})
			if err == nil {
				t.Fatal("an update whose COMMIT's outcome is unknown answered no error")
			}
			if tc.loss == pgtest.CommitAfterCut {
				// The replica reads the database, which has no count yet; the COMMIT goes
				// once the settle waits for the transaction (or, if it never does, after
				// it read what it would read).
				if got := summaryOf(t, p).Booked; got != 0 {
					t.Fatalf("before the late COMMIT the replica answers %d booked, want 0", got)
				}
				for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if schemaSessions(t, direct, `a.wait_event_type = 'Lock'`) > 0 {
						break
					}
				}
				cut.Release()
			}
			<-cut.Done()
			if _, booked := storedBookings(t, direct); booked != 1 {
				t.Fatalf("in the database the slot count is %d, want 1 (the update committed)", booked)
			}
			eventually(t, p, "the replica of the update after its commit", func(s booking.SlotSummary) bool { return s.Booked == 1 })
			eventually(t, other, "the other replica after the update's commit", func(s booking.SlotSummary) bool { return s.Booked == 1 })
		})
	}
}
