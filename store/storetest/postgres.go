package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/internal/pgtest"
)

// Environment of the Postgres runs.
const (
	// EnvDatabaseURL and EnvRequirePostgres: see pgtest.
	EnvDatabaseURL     = pgtest.EnvDatabaseURL
	EnvRequirePostgres = pgtest.EnvRequirePostgres
	// EnvSerializableOnly, when "1", opens every Postgres store of the tests in
	// serializable-only mode (store.SerializableOnly), as on CockroachDB.
	EnvSerializableOnly = "BOOKINGSERVER_TEST_SERIALIZABLE_ONLY"
)

// PostgresURL returns the URL of a fresh, empty schema of the test database, or
// skips the test (fails it in CI) when there is none.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.URL(t)
}

// NewPostgres opens the Postgres store on a fresh schema (PostgresURL) and closes
// it when the test ends.
func NewPostgres(t testing.TB) *store.Postgres {
	t.Helper()
	return OpenPostgres(t, PostgresURL(t))
}

// Stores are the store implementations every contract test runs against.
var Stores = []struct {
	Name string
	New  func(t testing.TB) store.Backend
}{
	{"bbolt", func(t testing.TB) store.Backend { return New(t) }},
	{"postgres", func(t testing.TB) store.Backend { return NewPostgres(t) }},
}

// Each runs fn as a parallel subtest per store implementation, each on a fresh store.
func Each(t *testing.T, fn func(t *testing.T, s store.Backend)) {
	t.Helper()
	for _, impl := range Stores {
		t.Run(impl.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, impl.New(t))
		})
	}
}

// EachReplicas runs fn as a parallel subtest per store implementation with two
// handles on one fresh store, as two replicas would have: two Postgres stores on
// one schema, or the single bbolt store twice (one process is all it serves). The
// Postgres replicas run twice: as on PostgreSQL, and serializable-only, as on
// CockroachDB (store.SerializableOnly).
func EachReplicas(t *testing.T, fn func(t *testing.T, a, b store.Backend)) {
	t.Helper()
	t.Run("bbolt", func(t *testing.T) {
		t.Parallel()
		s := New(t)
		fn(t, s, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := PostgresURL(t)
		fn(t, OpenPostgres(t, url), OpenPostgres(t, url))
	})
	t.Run("postgres-serializable-only", func(t *testing.T) {
		t.Parallel()
		url := PostgresURL(t)
		fn(t, OpenPostgres(t, url, store.SerializableOnly()), OpenPostgres(t, url, store.SerializableOnly()))
	})
}

// Opener opens the same store again at each call, as a restarted process (or
// another replica) finds it; the caller closes what it opens.
type Opener func() (store.Backend, error)

// EachReopenable runs fn as a parallel subtest per store implementation with the
// Opener of a fresh store: a bbolt file in t.TempDir(), or a fresh Postgres schema.
// Tests of what survives a restart close the store and open it again.
func EachReopenable(t *testing.T, fn func(t *testing.T, open Opener)) {
	t.Helper()
	t.Run("bbolt", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "bookingserver.db")
		fn(t, func() (store.Backend, error) { return store.Open(store.DefaultConfig(path)) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := PostgresURL(t)
		fn(t, func() (store.Backend, error) { return store.OpenPostgres(context.Background(), url, envOptions()...) })
	})
}

// OpenPostgres opens the Postgres store at url with opts (and SerializableOnly
// when EnvSerializableOnly is "1") and closes it when the test ends.
func OpenPostgres(t testing.TB, url string, opts ...store.PostgresOption) *store.Postgres {
	t.Helper()
	s, err := store.OpenPostgres(context.Background(), url, append(opts, envOptions()...)...)
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// envOptions are the options of every Postgres store the tests open: SerializableOnly
// when EnvSerializableOnly is "1".
func envOptions() []store.PostgresOption {
	if os.Getenv(EnvSerializableOnly) == "1" {
		return []store.PostgresOption{store.SerializableOnly()}
	}
	return nil
}
