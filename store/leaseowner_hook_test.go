package store

import "context"

// LeaseOwnerPID returns the server process id of the session that holds p's
// lease-owner lock (pglease.go), for the tests of package store_test that end it.
func LeaseOwnerPID(ctx context.Context, p *Postgres) (int, error) {
	var pid int
	err := p.pool.QueryRow(ctx, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted
		AND classid = $1::integer::oid AND objid = $2::integer::oid`, p.owner.space, p.owner.id.Load()).Scan(&pid)
	return pid, err
}
