// Package store is the bbolt implementation of booking.Store: one file, ACID
// transactions, records as binary protobuf, secondary indexes as buckets.
package store

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Config says where and how to open the data file.
type Config struct {
	// Path is the bbolt file.
	Path string
	// Mode is the file mode when created.
	Mode os.FileMode
	// OpenTimeout bounds the wait for the file lock another process holds.
	OpenTimeout time.Duration
}

// DefaultConfig returns the configuration for path: mode 0600, 1 s lock timeout.
func DefaultConfig(path string) Config {
	return Config{Path: path, Mode: 0o600, OpenTimeout: time.Second}
}

// initialMmapSize is the address space mapped for the data file at open.
const initialMmapSize = 1 << 30

// ErrLocked: another process has the data file open.
var ErrLocked = errors.New("data file is locked by another process")

// Store owns the bbolt database.
type Store struct {
	db      *bolt.DB
	commits *groupCommit
	// feedMu serializes feed loads: validation reads what the previous load wrote.
	feedMu sync.Mutex
}

// Open opens (creating if needed) the data file and migrates its schema. An existing
// empty file is refused, and a damaged one is a DamagedError.
func Open(cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("store: no data file path")
	}
	if err := refuseEmpty(cfg.Path); err != nil {
		return nil, err
	}
	// InitialMmapSize: bbolt re-maps the file as it grows, and a re-map inside a write
	// transaction copies every dirty node to the heap (node.dereference). A large feed
	// load grows the file many times in one commit; mapping 1 GiB of address space up
	// front (virtual memory, not RSS) avoids those copies.
	db, err := openDB(cfg.Path, cfg.Mode, bolt.Options{Timeout: cfg.OpenTimeout, InitialMmapSize: initialMmapSize})
	if err != nil {
		return nil, err
	}
	if err := guard(cfg.Path, func() error { return migrate(db) }); err != nil {
		db.Close()
		var d *DamagedError
		if errors.As(err, &d) {
			return nil, err
		}
		return nil, fmt.Errorf("data file %s: %w", cfg.Path, err)
	}
	return &Store{db: db, commits: &groupCommit{db: db}}, nil
}

// openError explains an error of bolt.Open on path: the lock another process holds,
// a file that is not a bbolt file (or whose header is damaged), or the system's error
// (which already names the path).
func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("data file %s: %w (is another bookingserver running with the same --data?)", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return &DamagedError{Path: path, Cause: err.Error()}
	}
	return err
}

// Close closes the data file.
func (s *Store) Close() error {
	return s.db.Close()
}

// Path is the data file's path.
func (s *Store) Path() string {
	return s.db.Path()
}
