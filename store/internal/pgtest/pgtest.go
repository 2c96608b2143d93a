// Package pgtest gives each Postgres test a schema of its own in the test database,
// and a proxy that loses a COMMIT or its answer (Proxy). It imports nothing of the
// store, so that the store's own (internal) tests use it as storetest does.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment of the Postgres runs.
const (
	// EnvDatabaseURL names the database the Postgres runs use (postgres://…); each
	// test gets a schema of its own in it, dropped when the test ends.
	EnvDatabaseURL = "BOOKINGSERVER_TEST_DATABASE_URL"
	// EnvRequirePostgres, when "1" (CI), makes a missing database a failure
	// instead of a skip.
	EnvRequirePostgres = "BOOKINGSERVER_TEST_REQUIRE_POSTGRES"
)

// PostgresURL returns the URL of a fresh, empty schema of the test database, or
// skips the test (fails it in CI) when there is none.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("%s=1 but %s is not set: the Postgres store tests must run", EnvRequirePostgres, EnvDatabaseURL)
		}
		t.Skipf("Postgres store not tested: set %s=postgres://… (e.g. the URL .ci/pgcluster prints)", EnvDatabaseURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDatabaseURL, err)
	}
	defer conn.Close(ctx)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
