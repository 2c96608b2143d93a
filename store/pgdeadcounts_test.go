package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/internal/pgtest"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// deadReplicaSeenWithin bounds how long the other replicas' caches may keep a dead
// replica's last counts: the death is seen within a check (a second), then its
// sessions' end, then the counts are read.
const deadReplicaSeenWithin = 5 * time.Second

// TestPostgresCountChangesOfADeadReplica: replica a dies (its process killed: every
// connection closes at once) after a count change of it committed and before its
// notification went out. Replica b's cache answers the new count within seconds,
// not after cacheTTL: it sees a's lease-owner lock go, waits until a's sessions have
// ended, and reads the counts changed since shortly before. The change is a
// booking (a pipelined reservation), or a cancellation (a SERIALIZABLE Update)
// whose COMMIT was still on its way to the server when a died, and commits only
// after a's lock is gone: b must wait for it. A replica whose URL names it
// (application_name, which its sessions' names carry after the replica's) is
// watched as well.
func TestPostgresCountChangesOfADeadReplica(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		delta      int64
		lateCommit bool
		params     string // of a's URL
	}{
		{"booking committed before the death", 1, false, ""},
		{"cancellation committed after the death", -1, true, ""},
		{"booking committed before the death of a replica named in its URL", 1, false, "&application_name=shop-eu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			proxy, a, b, direct := proxiedReplicasAt(t, tc.params)
			if a.SerializableOnly() {
				t.Skip("serializable-only: without lease-owner locks a replica's death is not seen, and its lost count changes wait for the caches' refill (cacheTTL)")
			}
			addBooked(t, a, 2)
			eventually(t, b, "replica b before the change", func(s booking.SlotSummary) bool { return s.Booked == 2 && store.CachesService(b, "m1", "haircut") })
			want := 2 + tc.delta

			proxy.Mute(store.NotificationsSessionName(a)) // a's notifications never go out
			var cut *pgtest.Cut
			run := a.Reserve
			if tc.lateCommit {
				cut, run = proxy.CutNextCommit(pgtest.CommitAfterCut), a.Update
			}
			err := run(ctx, changeBooked(tc.delta))
			if tc.lateCommit != (err != nil) {
				t.Fatalf("the change on replica a: %v", err)
			}
			for range 20 {
				if got := summaryOf(t, b).Booked; got != 2 {
					t.Fatalf("replica b answers %d booked while a's notifications are held, want 2: the test holds nothing", got)
				}
				time.Sleep(10 * time.Millisecond)
			}

			proxy.Kill()
			changed := time.Now()
			if tc.lateCommit {
				waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if err := store.WaitLeaseOwnerGone(waitCtx, a, b); err != nil {
					t.Fatalf("a's lease-owner lock did not go: %v", err)
				}
				time.Sleep(2 * time.Second) // b has seen a's lock go, and a's session of the COMMIT still there
				releaseHeldCommit(t, direct, cut)
				changed = time.Now()
			}
			if _, booked := storedBookings(t, direct); booked != want {
				t.Fatalf("the database holds %d booked, want %d", booked, want)
			}
			eventuallyWithin(t, b, deadReplicaSeenWithin, "replica b after a died", func(s booking.SlotSummary) bool { return s.Booked == want })
			t.Logf("replica b answered the dead replica's count %v after it committed or died", time.Since(changed).Round(time.Millisecond))
		})
	}
}

// TestPostgresCleanCloseIsNotRecounted: replicas that close (a server stopped, or
// the short-lived store of a command such as feeds load) after a count change of
// theirs cost the replica that watches them no recount: each recorded its clean
// close once its changes were sent, and the watcher, finding its sessions ended,
// skips the read of slot_booked. It answers their counts all the same (they were
// sent). The second names itself in its URL (application_name, which its
// sessions' names carry after the replica's): the watcher knows it all the same.
func TestPostgresCleanCloseIsNotRecounted(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	b := storetest.OpenPostgres(t, url)
	if b.SerializableOnly() {
		t.Skip("serializable-only: without lease-owner locks no replica's end is seen, and nothing is recounted")
	}
	storetest.LoadFixture(t, b)
	const closes = 3
	for i := range int64(closes) {
		aURL := url
		if i == 1 {
			aURL += "&application_name=shop-eu"
		}
		a := storetest.OpenPostgres(t, aURL)
		waitWatched(t, b)
		addBooked(t, a, 1)
		_, recounts, closed := store.DeathWatchCounts(b)
		start := time.Now()
		a.Close()
		took := time.Since(start)
		gotRecounts, gotClosed := waitEndSeen(t, b, recounts, closed)
		if gotRecounts != recounts || gotClosed != closed+1 {
			t.Fatalf("close %d: replica b recounted %d times and saw %d clean closes, want 0 and 1", i+1, gotRecounts-recounts, gotClosed-closed)
		}
		eventually(t, b, "replica b after a's close", func(s booking.SlotSummary) bool { return s.Booked == i+1 })
		t.Logf("close %d took %v; replica b saw it after %v, with no recount", i+1, took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	}
}

// TestPostgresUncleanCloseIsRecounted: replica a closes, but cannot say that it
// sent every count change it committed: its notification connection is muted (its
// sends, and the record of a clean close, never reach the server), or a
// cancellation of unknown outcome (its COMMIT held on its way to the server) was
// not settled when it closed, and commits only later. Replica b recounts once a's
// sessions have ended, and answers the count (it would keep the old one if it
// trusted the close).
func TestPostgresUncleanCloseIsRecounted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		delta      int64
		lateCommit bool
	}{
		{"notifications muted", 1, false},
		{"cancellation of unknown outcome committed after the close", -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			proxy, a, b, direct := proxiedReplicas(t)
			if a.SerializableOnly() {
				t.Skip("serializable-only: without lease-owner locks no replica's end is seen, and nothing is recounted")
			}
			addBooked(t, a, 2)
			eventually(t, b, "replica b before the change", func(s booking.SlotSummary) bool { return s.Booked == 2 && store.CachesService(b, "m1", "haircut") })
			waitWatched(t, b)
			want := 2 + tc.delta

			var cut *pgtest.Cut
			if tc.lateCommit {
				cut = proxy.CutNextCommit(pgtest.CommitAfterCut)
				if err := a.Update(ctx, changeBooked(tc.delta)); err == nil {
					t.Fatal("a cancellation whose COMMIT was held answered no error")
				}
			} else {
				proxy.Mute(store.NotificationsSessionName(a))
				addBooked(t, a, tc.delta)
			}
			_, recounts, closed := store.DeathWatchCounts(b)
			a.Close()
			if !tc.lateCommit {
				// a's muted connections gave up, but the server holds their sessions
				// until it notices (its Terminate never arrived): it does now.
				proxy.Kill()
			}
			if tc.lateCommit {
				releaseHeldCommit(t, direct, cut)
			}
			if _, booked := storedBookings(t, direct); booked != want {
				t.Fatalf("the database holds %d booked, want %d", booked, want)
			}
			gotRecounts, gotClosed := waitEndSeen(t, b, recounts, closed)
			if gotRecounts != recounts+1 || gotClosed != closed {
				t.Fatalf("replica b recounted %d times and saw %d clean closes, want 1 and 0", gotRecounts-recounts, gotClosed-closed)
			}
			eventuallyWithin(t, b, deadReplicaSeenWithin, "replica b after a closed", func(s booking.SlotSummary) bool { return s.Booked == want })
		})
	}
}

// waitWatched waits until p's death watch has made a check that began after the
// call: it has seen the lease-owner locks of the replicas opened before.
func waitWatched(t *testing.T, p *store.Postgres) {
	t.Helper()
	checks, _, _ := store.DeathWatchCounts(p)
	deadline := time.Now().Add(10 * time.Second)
	for now, _, _ := store.DeathWatchCounts(p); now < checks+2; now, _, _ = store.DeathWatchCounts(p) {
		if time.Now().After(deadline) {
			t.Fatalf("the death watch made %d checks in 10 s", now-checks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitEndSeen waits until p's death watch has dealt with an ended replica since it
// counted recounts and closed (a recount or a clean close), and returns its counts.
func waitEndSeen(t *testing.T, p *store.Postgres, recounts, closed int64) (int64, int64) {
	t.Helper()
	deadline := time.Now().Add(2 * deadReplicaSeenWithin)
	for {
		_, r, c := store.DeathWatchCounts(p)
		if r+c > recounts+closed {
			return r, c
		}
		if time.Now().After(deadline) {
			rows, _ := p.Pool().Query(t.Context(), `SELECT concat_ws(' ', pid, application_name, state, query) FROM pg_stat_activity WHERE backend_type = 'client backend'`)
			sessions, err := pgx.CollectRows(rows, pgx.RowTo[string])
			t.Fatalf("replica b dealt with no ended replica within %v; sessions: %q (%v)", 2*deadReplicaSeenWithin, sessions, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// releaseHeldCommit checks that the database at url still holds the 2 booked from
// before the change whose COMMIT cut holds, lets that COMMIT go on, and waits until
// it is answered.
func releaseHeldCommit(t *testing.T, url string, cut *pgtest.Cut) {
	t.Helper()
	if _, booked := storedBookings(t, url); booked != 2 {
		t.Fatalf("the database holds %d booked before the held COMMIT went on, want 2", booked)
	}
	cut.Release()
	cut.Wait(t, "the held COMMIT was never answered")
}
