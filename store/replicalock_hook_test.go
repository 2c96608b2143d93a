package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// HoldReplicaLock takes replica lock key on a connection of pool, as a migration or
// a feed load does (rows: a lock row, else an advisory lock), for the tests of
// package store_test; release frees the lock and the connection.
func HoldReplicaLock(ctx context.Context, pool *pgxpool.Pool, rows bool, key int64) (release func(), err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	unlock, err := replicaLocks{rows: rows}.hold(ctx, pool, conn, key)
	if err != nil {
		conn.Release()
		return nil, err
	}
	return func() { unlock(); conn.Release() }, nil
}
