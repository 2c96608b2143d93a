package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// LeaseOwnerPID returns the server process id of the session that holds p's
// lease-owner lock (pglease.go), for the tests of package store_test that end it.
func LeaseOwnerPID(ctx context.Context, p *Postgres) (int, error) {
	return leaseOwnerPID(ctx, p, p)
}

// WaitLeaseOwnerGone waits, asking through alive, until no session holds dead's
// lease-owner lock. A closed or killed replica's server process ends a moment
// after its socket does, and only then is its lock released: a test that
// simulates a death must wait for that moment, as a live replica would.
func WaitLeaseOwnerGone(ctx context.Context, dead, alive *Postgres) error {
	for {
		_, err := leaseOwnerPID(ctx, dead, alive)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// leaseOwnerPID asks through via which session holds p's lease-owner lock.
func leaseOwnerPID(ctx context.Context, p, via *Postgres) (int, error) {
	var pid int
	err := via.pool.QueryRow(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted
		AND classid = $1::integer::oid AND objid = $2::integer::oid`, p.owner.space, p.owner.id.Load()).Scan(&pid)
	return pid, err
}

// LeaseOwnerKey is the two keys of p's lease-owner lock (pglease.go), for the tests
// of package store_test that take what a claim takes.
func LeaseOwnerKey(p *Postgres) (space, id int32) { return p.owner.space, p.owner.id.Load() }
