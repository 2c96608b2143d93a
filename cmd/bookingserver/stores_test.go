package main

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// eachStore runs fn as a subtest per store serve opens, with the flags that select
// it: bbolt (--data, a file in t.TempDir()) and PostgreSQL (--database-url, a fresh
// schema of the test database; without one storetest.PostgresURL skips, or fails in
// CI). Each life of serve in a subtest is given the same flags, so it finds the
// same data. The subtests run one after the other: serve in-process sets the
// process's default logger and signal handlers.
func eachStore(t *testing.T, fn func(t *testing.T, store []string)) {
	t.Helper()
	t.Run("bbolt", func(t *testing.T) { fn(t, []string{"--data", filepath.Join(t.TempDir(), "b.db")}) })
	t.Run("postgres", func(t *testing.T) { fn(t, []string{"--database-url", storetest.PostgresURL(t)}) })
}

// serveArgs is the command line of serve on the store the store flags select.
func serveArgs(store []string, flags ...string) []string {
	return append(append([]string{"serve"}, store...), flags...)
}

// openStore opens the store the store flags select as the commands do (storeConfig),
// for a test to write what a command reads, or read what one wrote; the caller
// closes it.
func openStore(t *testing.T, flags []string) store.Backend {
	t.Helper()
	var sc storeConfig
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	sc.register(fs, "")
	if err := fs.Parse(flags); err != nil {
		t.Fatal(err)
	}
	st, err := sc.open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestSerializableOnlyNeedsDatabaseURL: --database-serializable-only is refused
// without --database-url rather than ignored.
func TestSerializableOnlyNeedsDatabaseURL(t *testing.T) {
	var sc storeConfig
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	sc.register(fs, "")
	if err := fs.Parse([]string{"--data", filepath.Join(t.TempDir(), "b.db"), "--database-serializable-only"}); err != nil {
		t.Fatal(err)
	}
	if st, err := sc.open(t.Context()); err == nil {
		st.Close()
		t.Fatal("--database-serializable-only with --data opened the bbolt store")
	}
}
