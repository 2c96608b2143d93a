package feeds

import (
	"encoding/binary"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// SlotKey is the identity of one bookable slot, as Google defines it: merchant,
// service, start, duration and resources (staff, room, party size). Its bytes sort
// like the fields do, merchant first, so a store can keep slots in key order and
// range-scan one service or one start time with SlotPrefix:
//
//	merchant_id 0x00 service_id 0x00 start_sec(8, big-endian) duration_sec(8, big-endian)
//	staff_id 0x00 room_id 0x00 party_size(4, big-endian)
//
// Ids must not contain 0x00 (ValidateAvailabilityFeed refuses them), and the
// integers are two's complement, so the order holds for the non-negative values
// validation allows.
type SlotKey []byte

// NewSlotKey builds the key of a slot from its parts.
func NewSlotKey(merchantID, serviceID string, startSec, durationSec int64, staffID, roomID string, partySize int32) SlotKey {
	k := make(SlotKey, 0, len(merchantID)+len(serviceID)+len(staffID)+len(roomID)+4+8+8+4)
	k = appendPrefix(k, merchantID, serviceID, startSec)
	k = binary.BigEndian.AppendUint64(k, uint64(durationSec))
	k = append(append(k, staffID...), 0)
	k = append(append(k, roomID...), 0)
	return binary.BigEndian.AppendUint32(k, uint32(partySize))
}

// AppendSlotKey appends the key of a (NewSlotKey of its fields; for a recurrence,
// the key of its first slot) to dst and returns the extended
// slice, so that a bulk load can pack a million keys into a few large buffers
// instead of a million small ones.
func AppendSlotKey(dst []byte, a *acv3.Availability) []byte {
	r := a.GetResources()
	dst = appendPrefix(dst, a.GetMerchantId(), a.GetServiceId(), a.GetStartSec())
	dst = binary.BigEndian.AppendUint64(dst, uint64(a.GetDurationSec()))
	dst = append(append(dst, r.GetStaffId()...), 0)
	dst = append(append(dst, r.GetRoomId()...), 0)
	return binary.BigEndian.AppendUint32(dst, uint32(r.GetPartySize()))
}

// SlotPrefix is the common prefix of the keys of every slot of one service that
// starts at startSec, whatever its duration and resources: the range-scan prefix
// for BatchAvailabilityLookup and CheckAvailability.
func SlotPrefix(merchantID, serviceID string, startSec int64) []byte {
	return appendPrefix(make([]byte, 0, len(merchantID)+len(serviceID)+2+8), merchantID, serviceID, startSec)
}

// ServicePrefix is the common prefix of the keys of every slot of one service; a
// scan from SlotPrefix(m, s, from) while the key has this prefix visits the
// service's slots in start order.
func ServicePrefix(merchantID, serviceID string) []byte {
	k := make([]byte, 0, len(merchantID)+len(serviceID)+2)
	k = append(append(k, merchantID...), 0)
	return append(append(k, serviceID...), 0)
}

// appendPrefix appends merchant 0x00 service 0x00 start.
func appendPrefix(k []byte, merchantID, serviceID string, startSec int64) []byte {
	k = append(append(k, merchantID...), 0)
	k = append(append(k, serviceID...), 0)
	return binary.BigEndian.AppendUint64(k, uint64(startSec))
}
