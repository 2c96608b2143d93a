package store_test

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// dataFile writes a data file with the fixture's merchant, services and slots, closed.
func dataFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bookingserver.db")
	st, err := store.Open(store.DefaultConfig(path))
	if err != nil {
		t.Fatal(err)
	}
	storetest.LoadFixture(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// corrupt overwrites every page after the two meta pages (the header) with noise.
func corrupt(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 2 * os.Getpagesize(); i < len(data); i++ {
		data[i] = byte(r.Uint32())
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// openAndCheck opens path and runs the start-up check, as serve does; a panic fails
// the test (the fault run's serve panicked with a stack trace).
func openAndCheck(path string) error {
	st, err := store.Open(store.DefaultConfig(path))
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Reconcile(time.Time{})
	return err
}

// TestDamagedFileIsAnError reproduces the fault run: a data file whose pages after the
// header are corrupt. Opening it and the start-up check give one error that names the
// file and says to restore it, never a panic; Check finds the damage too.
func TestDamagedFileIsAnError(t *testing.T) {
	t.Parallel()
	path := dataFile(t)
	if err := store.Check(path); err != nil {
		t.Fatalf("check of a sound file: %v", err)
	}
	corrupt(t, path)
	for name, fn := range map[string]func(string) error{"open and reconcile": openAndCheck, "check": store.Check} {
		err := fn(path)
		var d *store.DamagedError
		if !errors.As(err, &d) || !errors.Is(err, store.ErrDamaged) || d.Path != path {
			t.Fatalf("%s: %v, want a DamagedError for %s", name, err, path)
		}
		if msg := err.Error(); !strings.Contains(msg, "data file "+path+" is damaged: ") ||
			!strings.HasSuffix(msg, "restore it from a backup") || strings.Contains(msg, "\n") {
			t.Errorf("%s: message %q, want one line naming the file and the remedy", name, msg)
		}
	}
}

// TestEmptyFileRefused: an existing 0-byte file is refused rather than initialised,
// and left as it was.
func TestEmptyFileRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(string) error{"open": openAndCheck, "check": store.Check} {
		if err := fn(path); err == nil || !strings.Contains(err.Error(), "is empty (0 bytes)") {
			t.Errorf("%s: %v, want the empty file refused", name, err)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("empty file changed: %v %v", fi, err)
	}
}
