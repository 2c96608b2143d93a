// Package baseline measures what bbolt itself can do on this machine: one small put per
// write transaction, through db.Batch (bbolt's group commit) or db.Update (one fsync
// each). CreateBooking throughput is reported as a ratio against it.
package baseline

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("baseline")

// ValueSize is the size of each put's value: about a stored booking record.
const ValueSize = 256

// DB is a separate bbolt file for the baseline.
type DB struct {
	db    *bolt.DB
	seq   atomic.Uint64
	value []byte
}

// Open creates (or opens) the baseline file at path with bbolt's defaults (fsync on
// every commit, MaxBatchDelay 10 ms, MaxBatchSize 1000).
func Open(path string) (*DB, error) {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("baseline: %w", err)
	}
	v := make([]byte, ValueSize)
	for i := range v {
		v[i] = byte(i)
	}
	return &DB{db: db, value: v}, nil
}

// key returns a new key, spread over the key space like random booking ids.
func (d *DB) key() []byte {
	return binary.BigEndian.AppendUint64(nil, d.seq.Add(1)*0x9E3779B97F4A7C15)
}

func (d *DB) put(k []byte) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(k, d.value) }
}

// Batch writes one small record through db.Batch and returns once it is durable.
func (d *DB) Batch() error { return d.db.Batch(d.put(d.key())) }

// Update writes one small record in a db.Update transaction of its own.
func (d *DB) Update() error { return d.db.Update(d.put(d.key())) }

// Close closes the file.
func (d *DB) Close() error { return d.db.Close() }
