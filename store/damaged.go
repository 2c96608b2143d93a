package store

import (
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged: the data file's pages are not what bbolt wrote. bbolt panics when it
// follows a corrupt page; the store turns that into this error at open, at the
// start-up checks and in Check, so an operator reads one line instead of a stack trace.
var ErrDamaged = errors.New("damaged")

// DamagedError says which data file is damaged and how it showed.
type DamagedError struct {
	// Path is the data file.
	Path string
	// Cause is bbolt's panic or consistency-check message.
	Cause string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("data file %s is damaged: %s; restore it from a backup", e.Path, e.Cause)
}

// Unwrap makes errors.Is(err, ErrDamaged) hold.
func (e *DamagedError) Unwrap() error { return ErrDamaged }

// recoverDamaged, deferred, turns a panic of bbolt's on a corrupt page into a
// DamagedError in *err. Use it only around reads of the file's structure (open, the
// start-up checks), never around code whose panics mean a bug of ours.
func recoverDamaged(path string, err *error) {
	if p := recover(); p != nil {
		*err = &DamagedError{Path: path, Cause: fmt.Sprint(p)}
	}
}

// guard runs fn, turning a panic on a corrupt page into a DamagedError.
func guard(path string, fn func() error) (err error) {
	defer recoverDamaged(path, &err)
	return fn()
}

// openDB is bolt.Open that survives a damaged file: bolt.Open reads the freelist and
// may panic after it has locked and mapped the file, so the lock is released and the
// file closed here before the panic becomes a DamagedError. (The mapping cannot be
// undone from outside bbolt and holds the open file, hence the explicit unlock; the
// process is about to report the damage and stop.)
func openDB(path string, mode os.FileMode, opts bolt.Options) (db *bolt.DB, err error) {
	var f *os.File
	opts.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		file, err := os.OpenFile(name, flag, perm)
		f = file
		return file, err
	}
	defer func() {
		if p := recover(); p != nil {
			if f != nil {
				unlock(f)
				f.Close()
			}
			db, err = nil, &DamagedError{Path: path, Cause: fmt.Sprint(p)}
		}
	}()
	db, err = bolt.Open(path, mode, &opts)
	if err != nil {
		return nil, openError(path, err)
	}
	return db, nil
}

// refuseEmpty refuses an existing 0-byte file: bbolt would silently initialise it,
// and an empty file where a data file should be is a lost file (a failed copy, a
// truncation), not a new installation.
func refuseEmpty(path string) error {
	fi, err := os.Stat(path)
	if err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		return fmt.Errorf("data file %s is empty (0 bytes): refusing to initialise it; restore it from a backup, or remove it to start a new one", path)
	}
	return nil
}

// Check runs bbolt's consistency check over the data file at path (opened read-only,
// so never while a server holds it) and returns a DamagedError naming every problem
// found, or nil.
func Check(path string) (err error) {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	if err := refuseEmpty(path); err != nil {
		return err
	}
	db, err := openDB(path, 0o600, bolt.Options{ReadOnly: true, Timeout: DefaultConfig(path).OpenTimeout})
	if err != nil {
		return err
	}
	defer db.Close()
	defer recoverDamaged(path, &err)
	return db.View(func(tx *bolt.Tx) error {
		var problems []error
		for e := range tx.Check() {
			problems = append(problems, e)
		}
		if len(problems) > 0 {
			return &DamagedError{Path: path, Cause: errors.Join(problems...).Error()}
		}
		return nil
	})
}
