package store

import "time"

// IdleInTransactionTimeout makes the store's sessions end a transaction left idle
// after d instead of idleInTransaction (pgsession.go), for the tests of package
// store_test that wait for it.
func IdleInTransactionTimeout(d time.Duration) PostgresOption {
	return func(o *postgresOptions) { o.idleInTransaction = d }
}
