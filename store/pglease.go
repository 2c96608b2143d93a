package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Leases of the queues every replica drains (the outbox, the availability and
// inventory RTUs). Due leases the records it returns: lease_until, and lease_owner,
// the owner id of the replica that took them. A replica proves it is alive by
// holding, for its life, a session advisory lock on its owner id, on the
// connection it LISTENs on (listenOnce). PostgreSQL ends the lock with the session,
// so the leases of a replica whose process died (a crash, kill -9) are free as soon
// as the server sees its connection close, not when lease_until passes. A record
// may be claimed when it has no lease, its lease expired, or its owner holds no
// lock. For a replica whose machine vanished without closing its connections the
// server notices only through TCP keepalives and tcp_user_timeout, about a minute
// later (pgsession.go), and lease_until bounds the wait as before. The other
// replicas also watch the locks, to read the counts a dead replica may not have
// sent (pgdeadreplicas.go).
//
// Whether an owner holds its lock is asked, for each leased row a claim reads,
// with pg_try_advisory_xact_lock_shared: it fails while the owner holds its
// (exclusive) lock, and the shared lock it takes when the owner is gone lasts until
// the claim's statement commits — nothing to release, nothing left held if the
// claim fails. It is evaluated on the row as the claim locks it: a row that
// another replica leased meanwhile is checked against its new owner, which a list
// of live owners read from pg_locks at the statement's start (before that replica
// took its lock, if it just started) would not be.
//
// A replica whose lock session is lost while it runs (the server restarted, a
// proxy cut the connection) no longer proves its leases: until it holds its lock
// again it claims nothing (every claim checks, in its statement, that the
// replica's own lock is held), and the records it is delivering may be taken and
// sent again by another replica (at least once). When it reconnects it takes the
// lock on the same id, so its leases nobody took meanwhile are its own again; if
// that id is held, it takes a new one.
//
// Serializable-only mode (CockroachDB: no advisory locks) leases without an
// owner: a lease lasts until lease_until (--outbox-lease), as do the leases taken
// by a binary older than migration 0012.
type leaseOwner struct {
	// space is the first key of every owner lock: from the schema's name, so that
	// stores in other schemas of the database never share a lock.
	space int32
	// id is the owner id whose lock this replica holds (or last held); 0 before
	// the first lock, and always in serializable-only mode.
	id atomic.Int32
}

// maxOwnerIDs bounds the owner ids one hold tries.
const maxOwnerIDs = 10

// hold takes the owner lock on conn, for the life of its session: on the id held
// before if it is free, else on a new one. An id is held by another session only
// for a moment (a replica that found this one gone and is claiming its records) or
// by a store of another schema whose space is the same (a hash collision).
func (o *leaseOwner) hold(ctx context.Context, conn *pgx.Conn) error {
	id := o.id.Load()
	for range maxOwnerIDs {
		if id == 0 {
			if err := conn.QueryRow(ctx, `SELECT nextval('lease_owner_ids')::integer`).Scan(&id); err != nil {
				return fmt.Errorf("lease owner id: %w", err)
			}
		}
		var got bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, o.space, id).Scan(&got); err != nil {
			return fmt.Errorf("lease owner lock: %w", err)
		}
		if got {
			o.id.Store(id)
			return nil
		}
		id = 0
	}
	return errors.New("lease owner lock: every id tried is held")
}

// claimable is the condition under which Due may lease the row of table alias a;
// the statement's parameter $4 must be leaseArg's. With owner locks it is true only
// while this replica holds its own lock (an InitPlan: once per statement).
func (p *Postgres) claimable(a string) string {
	expired := fmt.Sprintf("%[1]s.lease_until IS NULL OR %[1]s.lease_until < now()", a)
	if p.serializableOnly {
		return "(" + expired + ")"
	}
	return fmt.Sprintf("((SELECT NOT pg_try_advisory_xact_lock_shared(%[1]d, $4::integer)) AND (%[2]s OR pg_try_advisory_xact_lock_shared(%[1]d, %[3]s.lease_owner)))",
		p.owner.space, expired, a)
}

// leaseArg is the owner a claim writes in lease_owner ($4::integer): none in
// serializable-only mode.
func (p *Postgres) leaseArg() any {
	if p.serializableOnly {
		return nil
	}
	return p.owner.id.Load()
}
