package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestPostgresReplicasMigrateOnce: replicas starting together on an empty database
// all open, and each migration is applied once (the advisory lock; in
// serializable-only mode the lock row, whose table they race to create).
func TestPostgresReplicasMigrateOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		opts []store.PostgresOption
	}{{"advisory lock", nil}, {"lock row", []store.PostgresOption{store.SerializableOnly()}}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			replicasMigrateOnce(t, mode.opts...)
		})
	}
}

func replicasMigrateOnce(t *testing.T, opts ...store.PostgresOption) {
	url := storetest.PostgresURL(t)
	var wg sync.WaitGroup
	stores := make([]*store.Postgres, 4)
	for i := range stores {
		wg.Go(func() {
			s, err := store.OpenPostgres(context.Background(), url, opts...)
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if t.Failed() {
		return
	}
	var n, top int
	if err := stores[0].Pool().QueryRow(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &top); err != nil {
		t.Fatal(err)
	}
	if want := store.PostgresSchemaVersion(); n != want || top != want {
		t.Fatalf("schema_migrations has %d rows up to version %d, want %d once each", n, top, want)
	}
}

// TestPostgresRefusesNewerSchema: a database migrated by a newer binary is refused.
func TestPostgresRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	s := storetest.OpenPostgres(t, url)
	if _, err := s.Pool().Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, 'future.sql')`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenPostgres(t.Context(), url); err == nil || !strings.Contains(err.Error(), "upgrade bookingserver") {
		t.Fatalf("open a newer schema: %v, want a refusal", err)
	}
}

// TestPostgresOutboxLeases: a record one replica took is not handed to another
// while its lease lasts, and is when the lease expires (the replica died mid-delivery).
func TestPostgresOutboxLeases(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	const lease = 500 * time.Millisecond
	a.SetOutboxLease(lease)
	b.SetOutboxLease(lease)
	enqueue(t, a, "b1", acv3.BookingStatus_CANCELED)
	enqueue(t, a, "b2", acv3.BookingStatus_CANCELED)
	select {
	case <-b.Outbox().Wake():
	case <-time.After(5 * time.Second):
		t.Fatal("an enqueue on one replica did not wake the other's outbox")
	}
	if got := dueIDs(t, a.Outbox(), time.Now()); len(got) != 2 {
		t.Fatalf("replica a took %v, want both records", got)
	}
	if got := dueIDs(t, b.Outbox(), time.Now()); len(got) != 0 {
		t.Fatalf("replica b took %v while a holds them", got)
	}
	time.Sleep(lease + 100*time.Millisecond) // a died without marking them
	if got, want := dueIDs(t, b.Outbox(), time.Now()), []string{"b1:CANCELED", "b2:CANCELED"}; !equal(got, want) {
		t.Fatalf("after the lease replica b took %v, want %v", got, want)
	}
}

// leaseQueues are the queues every replica drains, each with what Due of one
// replica takes: the booking outbox, the availability and the inventory RTUs.
var leaseQueues = []struct {
	name string
	take func(t *testing.T, s *store.Postgres) []string
}{
	{"outbox", func(t *testing.T, s *store.Postgres) []string { return dueIDs(t, s.Outbox(), time.Now()) }},
	{"availability rtu", func(t *testing.T, s *store.Postgres) []string {
		got, _ := windows(t, s.AvailabilityOutbox())
		return got
	}},
	{"inventory rtu", func(t *testing.T, s *store.Postgres) []string {
		got, _ := inventoryDue(t, s.InventoryOutbox())
		return got
	}},
}

// fillLeaseQueues gives each of leaseQueues something to deliver.
func fillLeaseQueues(t *testing.T, s *store.Postgres) {
	t.Helper()
	storetest.LoadFixture(t, s) // marks the fixture's day, merchant and service
	enqueue(t, s, "b1", acv3.BookingStatus_CANCELED)
	enqueue(t, s, "b2", acv3.BookingStatus_CANCELED)
}

// TestPostgresDeadReplicaLeases: what a replica leased (outbox, availability and
// inventory RTUs) stays its own while it lives, however long its lease, and is
// another replica's at once when its session ends without delivering it, as when
// its process is killed (Close ends no lease). In serializable-only mode (no
// advisory locks) the lease lasts until it expires.
func TestPostgresDeadReplicaLeases(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name    string
		opts    []store.PostgresOption
		atDeath bool // the dead replica's records are taken at once
	}{{"advisory lock", nil, true}, {"serializable-only", []store.PostgresOption{store.SerializableOnly()}, false}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			url := storetest.PostgresURL(t)
			a, b := storetest.OpenPostgres(t, url, mode.opts...), storetest.OpenPostgres(t, url, mode.opts...)
			if a.SerializableOnly() && mode.atDeath {
				t.Skip("the tests run every store serializable-only (" + storetest.EnvSerializableOnly + ")")
			}
			a.SetOutboxLease(10 * time.Minute)
			b.SetOutboxLease(10 * time.Minute)
			fillLeaseQueues(t, a)
			taken := map[string][]string{}
			for _, q := range leaseQueues {
				if taken[q.name] = q.take(t, a); len(taken[q.name]) == 0 {
					t.Fatalf("%s: replica a took nothing", q.name)
				}
				if got := q.take(t, b); len(got) != 0 {
					t.Fatalf("%s: replica b took %q while a lives", q.name, got)
				}
			}
			a.Close() // a dies holding its leases
			if mode.atDeath {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				if err := store.WaitLeaseOwnerGone(ctx, a, b); err != nil {
					t.Fatalf("a's session did not end: %v", err)
				}
			}
			for _, q := range leaseQueues {
				got := q.take(t, b)
				if !mode.atDeath {
					if len(got) != 0 {
						t.Fatalf("%s: replica b took %q before the lease expired", q.name, got)
					}
					continue
				}
				if strings.Join(got, "; ") != strings.Join(taken[q.name], "; ") {
					t.Fatalf("%s: after a died replica b took %q, want %q", q.name, got, taken[q.name])
				}
			}
		})
	}
}

// TestPostgresLeaseOwnerReconnects: a replica whose lock session the server ends
// claims nothing until it holds its lock again (what it claimed would not be its
// own), then holds it on the same owner id: the leases it took before are its own
// again, and another replica takes none of them.
func TestPostgresLeaseOwnerReconnects(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	if a.SerializableOnly() {
		t.Skip("serializable-only: leases have no owner")
	}
	a.SetOutboxLease(10 * time.Minute)
	b.SetOutboxLease(10 * time.Minute)
	enqueue(t, a, "b1", acv3.BookingStatus_CANCELED)
	if got := dueIDs(t, a.Outbox(), time.Now()); len(got) != 1 {
		t.Fatalf("replica a took %v, want b1", got)
	}
	pid, err := store.LeaseOwnerPID(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	var ended bool
	if err := b.Pool().QueryRow(t.Context(), `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&ended); err != nil || !ended {
		t.Fatalf("end a's lock session: %v %v", ended, err)
	}
	enqueue(t, b, "b2", acv3.BookingStatus_CANCELED)
	if got := dueIDs(t, a.Outbox(), time.Now()); len(got) != 0 {
		t.Fatalf("replica a took %v without its lock", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := dueIDs(t, a.Outbox(), time.Now())
		if len(got) == 1 && got[0] == "b2:CANCELED" {
			break
		}
		if len(got) != 0 || time.Now().After(deadline) {
			t.Fatalf("replica a, reconnecting, took %v, want b2 once it holds its lock again", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if again, err := store.LeaseOwnerPID(t.Context(), a); err != nil || again == pid {
		t.Fatalf("a's lock after the reconnect: pid %d (was %d), %v", again, pid, err)
	}
	if got := dueIDs(t, b.Outbox(), time.Now()); len(got) != 0 {
		t.Fatalf("replica b took %v, a's leases, while a lives", got)
	}
}

// TestPostgresMigrationsNumbered: the embedded migrations are numbered 1, 2, 3, …
// without gap or duplicate (two branches adding the same number make every
// Postgres store fail to open). It needs no database, so it runs everywhere.
func TestPostgresMigrationsNumbered(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r != nil {
			t.Fatal(r)
		}
	}()
	if v := store.PostgresSchemaVersion(); v < 1 {
		t.Fatalf("schema version %d", v)
	}
}

// TestPostgresRTULeases: an availability window one replica took is not handed to
// another while its lease lasts.
func TestPostgresRTULeases(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	storetest.LoadFixture(t, a) // marks the fixture's day
	if got, _ := windows(t, a.AvailabilityOutbox()); len(got) != 1 {
		t.Fatalf("replica a took %v, want the fixture's day", got)
	}
	if got, _ := windows(t, b.AvailabilityOutbox()); len(got) != 0 {
		t.Fatalf("replica b took %v while a holds it", got)
	}
}

// TestPostgresReplicaStartsDuringAClaim: while replica b claims a dead replica's
// records — holding, for its statement, what a claim holds: a shared lock on the
// dead owner's id and the rows it takes (held here in a transaction of the test
// until it writes b as their owner) — replica c starts: it opens without waiting,
// holds a lock on an owner id of its own, claims none of the rows b holds and none
// once b owns them; and the dead replica's records are b's, once. Then replica a,
// whose lock session the server ended, reconnects while its own id is being
// claimed: its old id is held (shared) by the claim, so it holds a new one, and
// the records of its old id are claimed by others, once.
func TestPostgresReplicaStartsDuringAClaim(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	dead, a, b := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	if dead.SerializableOnly() {
		t.Skip("serializable-only: leases have no owner")
	}
	for _, s := range []*store.Postgres{dead, a, b} {
		s.SetOutboxLease(10 * time.Minute)
	}
	ctx := t.Context()
	enqueue(t, dead, "b1", acv3.BookingStatus_CANCELED)
	if got := dueIDs(t, dead.Outbox(), time.Now()); len(got) != 1 {
		t.Fatalf("the replica to die took %v, want b1", got)
	}
	space, deadID := store.LeaseOwnerKey(dead)
	dead.Close()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := store.WaitLeaseOwnerGone(wctx, dead, b); err != nil {
		t.Fatal(err)
	}

	_, bID := store.LeaseOwnerKey(b)
	claim := claimUnderWay(t, b, space, deadID, 1)
	start := time.Now()
	c := storetest.OpenPostgres(t, url)
	c.SetOutboxLease(10 * time.Minute)
	if _, cID := store.LeaseOwnerKey(c); cID == deadID || cID == bID {
		t.Fatalf("the replica started during the claim holds owner id %d (the dead one's %d, b's %d)", cID, deadID, bID)
	}
	t.Logf("replica c opened in %v during the claim", time.Since(start))
	if got := dueIDs(t, c.Outbox(), time.Now()); len(got) != 0 {
		t.Fatalf("replica c took %v, which b's claim holds", got)
	}
	claim(bID)
	for name, s := range map[string]*store.Postgres{"a": a, "b": b, "c": c} {
		if got := dueIDs(t, s.Outbox(), time.Now()); len(got) != 0 {
			t.Fatalf("replica %s took %v, b's since its claim", name, got)
		}
	}

	enqueue(t, a, "b2", acv3.BookingStatus_CANCELED)
	if got := dueIDs(t, a.Outbox(), time.Now()); len(got) != 1 {
		t.Fatalf("replica a took %v, want b2", got)
	}
	_, aID := store.LeaseOwnerKey(a)
	pid, err := store.LeaseOwnerPID(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var ended bool
	if err := b.Pool().QueryRow(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&ended); err != nil || !ended {
		t.Fatalf("end a's lock session: %v %v", ended, err)
	}
	claim = claimUnderWay(t, b, space, aID, 1)
	// The claim's shared lock on a's old id shows in pg_locks too: a holds its new
	// one once its owner id changed.
	deadline := time.Now().Add(10 * time.Second)
	for _, id := store.LeaseOwnerKey(a); id == aID; _, id = store.LeaseOwnerKey(a) {
		if time.Now().After(deadline) {
			t.Fatalf("replica a holds no new owner id 10 s after its lock session ended (still %d, which a claim holds)", aID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if again, err := store.LeaseOwnerPID(ctx, a); err != nil || again == pid {
		t.Fatalf("replica a's lock on its new owner id: pid %d (was %d), %v", again, pid, err)
	}
	claim(0) // the claim took nothing after all: the record is anyone's
	var took []string
	for _, s := range []*store.Postgres{c, a, b} {
		took = append(took, dueIDs(t, s.Outbox(), time.Now())...)
	}
	if len(took) != 1 || took[0] != "b2:CANCELED" {
		t.Fatalf("the replicas took %v of a's old id's records, want b2 once", took)
	}
}

// claimUnderWay takes, in a transaction on a connection of via, what a claim of
// owner's outbox records holds while its statement runs (pglease.go): a shared
// lock on owner's id, and the rows, want of them. Its end (to: their new owner, 0
// to roll back) writes them as the claim does and commits.
func claimUnderWay(t *testing.T, via *store.Postgres, space, owner int32, want int) (end func(to int32)) {
	t.Helper()
	ctx := t.Context()
	tx, err := via.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock_shared($1, $2)`, space, owner).Scan(&got); err != nil || !got {
		tx.Rollback(ctx) //nolint:errcheck // the test fails
		t.Fatalf("the claim's shared lock on owner %d: %v %v (its owner still holds it)", owner, got, err)
	}
	tag, err := tx.Exec(ctx, `SELECT id FROM outbox WHERE lease_owner = $1 FOR UPDATE`, owner)
	if err != nil || int(tag.RowsAffected()) != want {
		tx.Rollback(ctx) //nolint:errcheck // the test fails
		t.Fatalf("the claim's rows of owner %d: %d, %v; want %d", owner, tag.RowsAffected(), err, want)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) }) //nolint:errcheck // after Commit it is a no-op
	return func(to int32) {
		t.Helper()
		if to != 0 {
			if _, err := tx.Exec(ctx, `UPDATE outbox SET lease_owner = $2, lease_until = now() + interval '10 minutes' WHERE lease_owner = $1`, owner, to); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
