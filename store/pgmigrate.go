package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgSchema holds the migrations: NNNN_name.sql brings the schema to version NNNN.
// Append only: a released migration never changes.
//
//go:embed pgschema/*.sql
var pgSchema embed.FS

// Lock keys: of pg_advisory_lock (a bigint; "bks" in the high bytes) or of the row
// of replica_locks (pglock.go).
const (
	lockMigrate  int64 = 0x626b73_0001
	lockFeedLoad int64 = 0x626b73_0002
	// lockCartHolds is held, to the end of the transaction, by every reservation
	// that counts the cart holds (pgreserve.go).
	lockCartHolds int64 = 0x626b73_0003
)

// pgMigration is one embedded migration file.
type pgMigration struct {
	version int
	name    string
	sql     string
}

// pgMigrations reads the embedded migrations in version order and checks that the
// versions are 1, 2, 3, … with no gap.
func pgMigrations() ([]pgMigration, error) {
	names, err := fs.Glob(pgSchema, "pgschema/*.sql")
	if err != nil {
		return nil, err
	}
	var out []pgMigration
	for i, n := range names { // fs.Glob sorts
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d first in its name", base, i+1)
		}
		raw, err := pgSchema.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, pgMigration{version: v, name: base, sql: string(raw)})
	}
	return out, nil
}

// PostgresSchemaVersion is the schema version this binary writes.
func PostgresSchemaVersion() int {
	m, err := pgMigrations()
	if err != nil {
		panic(err) // the embedded files are checked by TestPostgresMigrationsNumbered
	}
	return len(m)
}

// migratePostgres applies every migration newer than the database's version, each
// in its own transaction, holding a replica lock for the whole run: replicas
// starting together wait for the first one's migrations, then find nothing to do.
// It refuses a database migrated by a newer binary.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, locks replicaLocks) error {
	ms, err := pgMigrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()
	release, err := locks.hold(ctx, pool, conn, lockMigrate)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer release()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("database has schema version %d, newer than this binary's %d: upgrade bookingserver", current, len(ms))
	}
	for _, m := range ms[current:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate schema to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}
