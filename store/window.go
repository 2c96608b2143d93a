package store

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// eachInWindow calls fn with each key of b whose start second lies in [fromSec,
// toSec), for buckets keyed group start(8) rest, where group is the key up to and
// including its seps-th 0x00 (merchant_id 0x00 for the merchant index, merchant_id
// 0x00 service_id 0x00 for slot keys). It seeks over each group's keys before fromSec
// and after toSec instead of reading them, so a window near now costs the groups plus
// the keys in it, not the whole history. fn must not change b.
func eachInWindow(b *bolt.Bucket, seps int, fromSec, toSec int64, fn func(start int64, key, rest []byte) error) error {
	c := b.Cursor()
	for k, _ := c.First(); k != nil; {
		g := groupLen(k, seps)
		if g < 0 {
			k, _ = c.Next() // not a windowed key; none are written
			continue
		}
		group := bytes.Clone(k[:g])
		for k, _ = c.Seek(binary.BigEndian.AppendUint64(bytes.Clone(group), uint64(max(fromSec, 0)))); k != nil && bytes.HasPrefix(k, group); k, _ = c.Next() {
			if len(k) < g+8 {
				continue
			}
			start := int64(binary.BigEndian.Uint64(k[g:]))
			if start >= toSec {
				break
			}
			if err := fn(start, k, k[g+8:]); err != nil {
				return err
			}
		}
		// The group's keys all sort before the group with its last 0x00 made 0x01.
		next := append(group[:g-1:g-1], 1)
		k, _ = c.Seek(next)
	}
	return nil
}

// groupLen is the length of k up to and including its seps-th 0x00, or -1.
func groupLen(k []byte, seps int) int {
	n := 0
	for range seps {
		i := bytes.IndexByte(k[n:], 0)
		if i < 0 {
			return -1
		}
		n += i + 1
	}
	return n
}
