// Package storetest opens a throw-away store for tests.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/bookingserver/bookingserver/store"
)

// New opens a store in t.TempDir() and closes it when the test ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(store.DefaultConfig(filepath.Join(t.TempDir(), "bookingserver.db")))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}
