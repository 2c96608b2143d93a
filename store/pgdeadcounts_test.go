package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/internal/pgtest"
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
// after a's lock is gone: b must wait for it.
func TestPostgresCountChangesOfADeadReplica(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		delta      int64
		lateCommit bool
	}{
		{"booking committed before the death", 1, false},
		{"cancellation committed after the death", -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			proxy, a, b, direct := proxiedReplicas(t)
			if a.SerializableOnly() {
				t.Skip("serializable-only: without lease-owner locks a replica's death is not seen, and its lost count changes wait for the caches' refill (cacheTTL)")
			}
			addBooked(t, a, 2)
			eventually(t, b, "replica b before the change", func(s booking.SlotSummary) bool { return s.Booked == 2 && store.CachesService(b, "m1", "haircut") })
			want := 2 + tc.delta

			proxy.Mute("bookingserver replica notifications") // a's notifications never go out
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
				if _, booked := storedBookings(t, direct); booked != 2 {
					t.Fatalf("the database holds %d booked before the held COMMIT went on, want 2", booked)
				}
				cut.Release()
				select {
				case <-cut.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("the held COMMIT was never answered")
				}
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
