package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Slot keys are feeds.SlotKey: merchant, service, start, duration, resources, so
// that the slots of one start (any duration or resources) are one prefix scan
// (feeds.SlotPrefix) and one merchant's slots are one range.

// serviceKey is the key of a service: merchant_id 0x00 service_id.
func serviceKey(merchantID, serviceID string) []byte {
	return append(append([]byte(merchantID), 0), serviceID...)
}

// booked returns the live-booking count of a slot key.
func booked(b *bolt.Bucket, key []byte) int64 {
	return bookedCount(b.Get(key))
}

// bookedCount decodes a value of bucketSlotBooked (nil when the slot has none).
func bookedCount(v []byte) int64 {
	if len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// addBooked changes the live-booking count of a slot key; it never goes negative.
func addBooked(b *bolt.Bucket, key []byte, delta int64) error {
	n := booked(b, key) + delta
	if n < 0 {
		return fmt.Errorf("slot booking count would go negative (%d): broken invariant", n)
	}
	if n == 0 {
		return b.Delete(key)
	}
	return b.Put(key, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// slotScanPrefix is the prefix of the keys of the service's slots starting at
// startSec, and lasting durationSec unless it is 0: the duration follows the start
// in the key, so it narrows the scan before any value is decoded.
func slotScanPrefix(merchantID, serviceID string, startSec, durationSec int64) []byte {
	prefix := feeds.SlotPrefix(merchantID, serviceID, startSec)
	if durationSec != 0 {
		prefix = binary.BigEndian.AppendUint64(prefix, uint64(durationSec))
	}
	return prefix
}

// appendSlotScanPrefix appends slotScanPrefix to dst, so that a batch of scans can
// build its prefixes in one buffer. It spells out feeds.SlotPrefix's layout
// (merchant 0x00 service 0x00 start(8)); TestAppendSlotScanPrefix holds the two equal.
func appendSlotScanPrefix(dst []byte, merchantID, serviceID string, startSec, durationSec int64) []byte {
	dst = append(append(dst, merchantID...), 0)
	dst = append(append(dst, serviceID...), 0)
	dst = binary.BigEndian.AppendUint64(dst, uint64(startSec))
	if durationSec != 0 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(durationSec))
	}
	return dst
}

// scanSlots calls fn for every slot of slots with the given prefix and its
// live-booking count from counts.
func scanSlots(slots, counts *bolt.Bucket, prefix []byte, fn func(booking.Slot) bool) error {
	c := slots.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rec := &bsv1.SlotRecord{}
		if err := unmarshal(v, rec); err != nil {
			return fmt.Errorf("slot %x: %w", k, err)
		}
		if !fn(booking.Slot{Key: bytes.Clone(k), Availability: rec.GetAvailability(), Booked: booked(counts, k)}) {
			return nil
		}
	}
	return nil
}
