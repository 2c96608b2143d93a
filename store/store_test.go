package store_test

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.db")
	s, err := store.Open(store.DefaultConfig(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		v := binary.BigEndian.Uint64(tx.Bucket([]byte("meta")).Get([]byte("schema_version")))
		if v != store.SchemaVersion {
			t.Errorf("schema version %d, want %d", v, store.SchemaVersion)
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(store.DefaultConfig(path))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	s.Close()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("meta"))
		return b.Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, store.SchemaVersion+1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(store.DefaultConfig(path)); err == nil || !strings.Contains(err.Error(), "upgrade bookingserver") {
		t.Fatalf("want a refusal, got %v", err)
	}
}

// TestSecondOpenFailsFast: bbolt's file lock keeps a second process off the file; the
// error says what to do instead of hanging.
func TestSecondOpenFailsFast(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.db")
	s, err := store.Open(store.DefaultConfig(path))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := store.DefaultConfig(path)
	cfg.OpenTimeout = 100 * time.Millisecond
	_, err = store.Open(cfg)
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "another bookingserver") {
		t.Fatalf("want ErrLocked with advice, got %v", err)
	}
}

func TestBookingNotFound(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		err := s.View(t.Context(), func(tx booking.ReadTx) error { _, err := tx.Booking("missing"); return err })
		if !errors.Is(err, booking.ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})
}
