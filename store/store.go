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

// Open opens (creating if needed) the data file and migrates its schema.
func Open(cfg Config) (*Store, error) {
	if cfg.Path == "" {
		return nil, errors.New("store: no data file path")
	}
	// InitialMmapSize: bbolt re-maps the file as it grows, and a re-map inside a write
	// transaction copies every dirty node to the heap (node.dereference). A large feed
	// load grows the file many times in one commit; mapping 1 GiB of address space up
	// front (virtual memory, not RSS) avoids those copies.
	db, err := bolt.Open(cfg.Path, cfg.Mode, &bolt.Options{Timeout: cfg.OpenTimeout, InitialMmapSize: initialMmapSize})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w (is another bookingserver running with the same --data?)", cfg.Path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Path, err)
	}
	if err := migrate(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", cfg.Path, err)
	}
	return &Store{db: db, commits: &groupCommit{db: db}}, nil
}

// Close closes the data file.
func (s *Store) Close() error {
	return s.db.Close()
}

// Path is the data file's path.
func (s *Store) Path() string {
	return s.db.Path()
}
