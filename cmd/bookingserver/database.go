package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"time"

	"github.com/bookingserver/bookingserver/store"
)

// storeConfig says which store a command opens: the bbolt file of --data (the
// default, one process) or the PostgreSQL database of --database-url (several
// replicas).
type storeConfig struct {
	data        string
	databaseURL string
	// serializableOnly forces the store's serializable-only mode (store.SerializableOnly).
	serializableOnly bool
	outboxLease      time.Duration
}

// register adds the store flags; dataUsage documents --data for the command.
func (c *storeConfig) register(fs *flag.FlagSet, dataUsage string) {
	fs.StringVar(&c.data, "data", "bookingserver.db", dataUsage)
	secretFlag(fs, &c.databaseURL, "database-url", "PostgreSQL database (postgres://…) shared by several replicas, instead of --data")
	fs.BoolVar(&c.serializableOnly, "database-serializable-only", false, "with --database-url: use only what a database that runs every transaction SERIALIZABLE and has no advisory locks offers (as on CockroachDB, which is detected by itself): for another engine speaking PostgreSQL's protocol that lacks them. Every transaction runs SERIALIZABLE, migrations and feed loads take turns on lock rows, leases last until --outbox-lease expires, a dead replica's too, and the count changes a killed replica had not yet sent reach the other replicas' availability caches only when they read the service again (at most 5 minutes)")
	fs.DurationVar(&c.outboxLease, "outbox-lease", 2*time.Minute, "with --database-url: how long a replica holds the notifications and RTUs it is delivering before another may take them over; a dead replica's are taken over at once (its lock session ended), except in serializable-only mode (no advisory locks), where they wait this long even for itself restarted")
}

// open opens the configured store (migrating its schema).
func (c storeConfig) open(ctx context.Context) (store.Backend, error) {
	if c.databaseURL == "" {
		if c.serializableOnly {
			return nil, errors.New("--database-serializable-only needs --database-url")
		}
		st, err := store.Open(store.DefaultConfig(c.data))
		if err != nil {
			return nil, err
		}
		slog.Info("store open", "path", c.data, "schema_version", store.SchemaVersion)
		return st, nil
	}
	var opts []store.PostgresOption
	if c.serializableOnly {
		opts = append(opts, store.SerializableOnly())
	}
	st, err := store.OpenPostgres(ctx, c.databaseURL, opts...)
	if err != nil {
		return nil, err
	}
	st.SetOutboxLease(c.outboxLease)
	slog.Info("store open", "database", "postgres", "schema_version", store.PostgresSchemaVersion(), "serializable_only", st.SerializableOnly())
	return st, nil
}
