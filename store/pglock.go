package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// replicaLocks takes the locks replicas share for work that spans several
// transactions: a run of migrations, a feed load. The lock is held until released,
// or until the connection holding it ends (the replica died).
//
// On PostgreSQL it is a session advisory lock (pg_advisory_lock) on the work's own
// connection. CockroachDB has no session advisory locks (its pg_advisory_lock is a
// stub that locks nothing), so with rows set the lock is a row of replica_locks
// that a transaction of its own, on a second connection, updates and keeps open
// until release: a waiting replica waits on the row's write, and a dead replica's
// transaction is rolled back with its connection. Both are tested on PostgreSQL.
type replicaLocks struct{ rows bool }

// replicaLockTable is created, if missing, before the first lock row is taken: the
// migrations' own lock needs it before any migration runs.
const replicaLockTable = `CREATE TABLE IF NOT EXISTS replica_locks (
	id bigint PRIMARY KEY, held_since timestamptz)`

// hold takes lock key for the work done on conn and returns its release, which
// never fails: a lock it cannot release is dropped with its connection.
func (l replicaLocks) hold(ctx context.Context, pool *pgxpool.Pool, conn *pgxpool.Conn, key int64) (release func(), err error) {
	if !l.rows {
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
			return nil, err
		}
		return func() {
			if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, key); err != nil {
				conn.Conn().Close(context.Background()) //nolint:errcheck // a session that may hold the lock must not be reused
			}
		}, nil
	}
	if err := ensureLockRow(ctx, conn, key); err != nil {
		return nil, err
	}
	holder, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := holder.Begin(ctx)
	if err == nil {
		// Idle for as long as the work it guards lasts (pgsession.go).
		_, err = tx.Exec(ctx, unlimitedIdleInTransaction)
	}
	if err == nil {
		_, err = tx.Exec(ctx, `UPDATE replica_locks SET held_since = now() WHERE id = $1`, key)
	}
	if err != nil {
		holder.Conn().Close(context.Background()) //nolint:errcheck // the transaction may hold the row
		holder.Release()
		return nil, err
	}
	return func() {
		if err := tx.Rollback(context.Background()); err != nil {
			holder.Conn().Close(context.Background()) //nolint:errcheck // the transaction may hold the row
		}
		holder.Release()
	}, nil
}

// creationRace holds the codes of a CREATE TABLE IF NOT EXISTS that lost a race.
var creationRace = map[string]bool{"23505": true, "42P07": true, "42710": true}

// ensureLockRow creates the lock table and the row of key if they are missing.
// Replicas starting together may race to create the table: PostgreSQL then fails
// all but one (a unique violation in its catalog, duplicate_table or
// duplicate_object for the table's row type), and the others try again and find it.
func ensureLockRow(ctx context.Context, conn *pgxpool.Conn, key int64) error {
	for attempt := 1; ; attempt++ {
		// Two statements, no transaction: CockroachDB (25.1 on) commits a transaction
		// before any DDL statement in it anyway.
		_, err := conn.Exec(ctx, replicaLockTable)
		if err == nil {
			_, err = conn.Exec(ctx, `INSERT INTO replica_locks (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, key)
		}
		var pe *pgconn.PgError
		if err == nil || attempt == 5 || !errors.As(err, &pe) ||
			(!creationRace[pe.Code] && !retryable(err)) {
			if err != nil {
				return fmt.Errorf("replica lock table: %w", err)
			}
			return nil
		}
	}
}
