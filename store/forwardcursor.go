package store

import (
	"bytes"

	bolt "go.etcd.io/bbolt"
)

// forwardSteps is how many keys forwardCursor.seek walks with Next before it gives
// up and searches from the root. A Next inside a leaf page is an index increment; a
// Seek is a binary search on every level of the tree (four for a million slots), so
// a few steps are always cheaper, and many steps over keys nobody asked for are not.
const forwardSteps = 8

// forwardCursor is a bbolt cursor for lookups in ascending key order within one
// read-only transaction. seek returns what Cursor.Seek would, but when the target
// is at or just past the cursor's position it walks there with Next (or stays) instead
// of searching the B+tree from the root again. BatchAvailabilityLookup asks for its
// slot times sorted by key, and neighbouring slot times are neighbouring keys: the
// Seeks were about 70 % of its slot scan.
//
// The keys it holds alias bbolt's memory-mapped pages, which a read-only transaction
// never changes; it must not be used in a write transaction.
type forwardCursor struct {
	c *bolt.Cursor
	// k and v are the current position; k is nil at the end of the bucket.
	k, v []byte
	// floor bounds what lies before k: no key is strictly between floor and k, and
	// k is the first key at or after any target greater than floor.
	floor []byte
	// positioned is false until the first seek.
	positioned bool
	// floorBuf holds a copy of the last Seek target, which the caller may reuse.
	floorBuf []byte
}

// newForwardCursor returns a forwardCursor over b.
func newForwardCursor(b *bolt.Bucket) *forwardCursor {
	return &forwardCursor{c: b.Cursor()}
}

// seek moves to the first key at or after target and returns it with its value, or
// nil at the end of the bucket, like bolt.Cursor.Seek.
func (f *forwardCursor) seek(target []byte) (k, v []byte) {
	if f.positioned && bytes.Compare(target, f.floor) > 0 {
		// No key lies in (floor, k), so the answer is k or a key after it.
		for range forwardSteps {
			if f.k == nil || bytes.Compare(f.k, target) >= 0 {
				return f.k, f.v
			}
			f.next()
		}
		if f.k == nil || bytes.Compare(f.k, target) >= 0 {
			return f.k, f.v
		}
	}
	f.k, f.v = f.c.Seek(target)
	// No key lies in [target, k); the strict comparison above makes a copy of
	// target a correct floor.
	f.floorBuf = append(f.floorBuf[:0], target...)
	f.floor, f.positioned = f.floorBuf, true
	return f.k, f.v
}

// next moves to the key after the current one, which must not be nil, like
// bolt.Cursor.Next.
func (f *forwardCursor) next() (k, v []byte) {
	f.floor = f.k // no key lies between two neighbours
	f.k, f.v = f.c.Next()
	return f.k, f.v
}

// get returns the value of key, or nil, like bolt.Bucket.Get for a bucket without
// nested buckets.
func (f *forwardCursor) get(key []byte) []byte {
	if k, v := f.seek(key); bytes.Equal(k, key) {
		return v
	}
	return nil
}
