package store

import "time"

// IdleInTransactionTimeout makes the store's sessions end a transaction left idle
// after d instead of idleInTransaction (pgsession.go), for the tests of package
// store_test that wait for it.
func IdleInTransactionTimeout(d time.Duration) PostgresOption {
	return func(o *postgresOptions) { o.idleInTransaction = d }
}

// SessionName is the application_name of every session of p's pool, for the tests
// of package store_test that look for its sessions in pg_stat_activity.
func SessionName(p *Postgres) string {
	return p.pool.Config().ConnConfig.RuntimeParams["application_name"]
}
