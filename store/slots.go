package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Slot keys order slots by merchant, service and start, so that the slots of one start
// (any duration or resources) are one prefix scan:
//
//	merchant_id 0x00 service_id 0x00 start_sec(8, big-endian) duration_sec(8) staff_id 0x00 room_id 0x00 party_size(4)
//
// Ids never contain 0x00 (feed validation refuses it).

// slotPrefix is the key prefix of every slot of a service starting at startSec.
func slotPrefix(merchantID, serviceID string, startSec int64) []byte {
	k := make([]byte, 0, len(merchantID)+len(serviceID)+2+8)
	k = append(append(k, merchantID...), 0)
	k = append(append(k, serviceID...), 0)
	return binary.BigEndian.AppendUint64(k, uint64(startSec))
}

// slotKey is the capacity key of one slot.
func slotKey(a *acv3.Availability) []byte {
	r := a.GetResources()
	k := slotPrefix(a.GetMerchantId(), a.GetServiceId(), a.GetStartSec())
	k = binary.BigEndian.AppendUint64(k, uint64(a.GetDurationSec()))
	k = append(append(k, r.GetStaffId()...), 0)
	k = append(append(k, r.GetRoomId()...), 0)
	return binary.BigEndian.AppendUint32(k, uint32(r.GetPartySize()))
}

// serviceKey is the key of a service: merchant_id 0x00 service_id.
func serviceKey(merchantID, serviceID string) []byte {
	return append(append([]byte(merchantID), 0), serviceID...)
}

// booked returns the live-booking count of a slot key.
func booked(b *bolt.Bucket, key []byte) int64 {
	if v := b.Get(key); len(v) == 8 {
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

// scanSlots calls fn for every slot with the given prefix and its live-booking count.
func scanSlots(tx *bolt.Tx, prefix []byte, fn func(booking.Slot) bool) error {
	counts := tx.Bucket(bucketSlotBooked)
	c := tx.Bucket(bucketSlots).Cursor()
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
