// Package pgtest gives each Postgres test a schema of its own in the test database,
// and a proxy that loses a COMMIT or its answer (Proxy). It imports nothing of the
// store, so that the store's own (internal) tests use it as storetest does.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
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

// TCPURL returns url (a URL of the test database) made to connect over loopback
// TCP: PostgreSQL ignores the TCP settings of Unix-socket sessions (SHOW answers 0).
// A URL whose host is not a socket directory is returned as it is; a server that
// does not listen on loopback TCP skips the test (fails it in CI): .ci/pgcluster's
// listens on 127.0.0.1.
func TCPURL(t testing.TB, databaseURL string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("database url: %v", err)
	}
	q := u.Query()
	if !strings.HasPrefix(q.Get("host"), "/") {
		return databaseURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var listen, port string
	if err := conn.QueryRow(ctx, `SELECT current_setting('listen_addresses'), current_setting('port')`).Scan(&listen, &port); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(strings.Split(listen, ","), func(a string) bool {
		a = strings.TrimSpace(a)
		return a == "*" || a == "127.0.0.1" || a == "localhost"
	}) {
		msg := fmt.Sprintf("the test database listens on no loopback TCP address (listen_addresses %q); start it with .ci/pgcluster", listen)
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	q.Del("host")
	q.Del("port")
	u.Host, u.RawQuery = net.JoinHostPort("127.0.0.1", port), q.Encode()
	return u.String()
}
