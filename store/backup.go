package store

import (
	"io"

	bolt "go.etcd.io/bbolt"
)

// WriteBackup writes a consistent copy of the data file, as of one moment, while
// bookings go on: one read transaction (Tx.WriteTo), which writers do not wait for
// unless the file must grow past its mapping (1 GiB at open) during the copy. start
// gets the copy's size before the first byte.
func (s *Store) WriteBackup(start func(size int64) io.Writer) error {
	return s.db.View(func(tx *bolt.Tx) error {
		_, err := tx.WriteTo(start(tx.Size()))
		return err
	})
}
