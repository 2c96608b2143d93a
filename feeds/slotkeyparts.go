package feeds

import (
	"bytes"
	"encoding/binary"
)

// SlotKeyParts are the fields of a SlotKey that follow its SlotPrefix. StaffID and
// RoomID alias the key's bytes: they are valid as long as the key is.
type SlotKeyParts struct {
	DurationSec     int64
	StaffID, RoomID []byte
	PartySize       int32
}

// SlotPrefixLen is len(SlotPrefix(merchantID, serviceID, start)) for any start: the
// offset of the duration in the keys of the service's slots.
func SlotPrefixLen(merchantID, serviceID string) int {
	return len(merchantID) + 1 + len(serviceID) + 1 + 8
}

// Parts decodes the fields of k after a SlotPrefix of prefixLen bytes, without
// copying, so that a store can match a slot's duration and resources from its key
// alone, before (or instead of) decoding its value. ok is false when k does not have
// SlotKey's layout.
func (k SlotKey) Parts(prefixLen int) (p SlotKeyParts, ok bool) {
	// duration(8) staff 0x00 room 0x00 party_size(4)
	if prefixLen < 0 || len(k) < prefixLen+8+1+1+4 {
		return SlotKeyParts{}, false
	}
	ids := k[prefixLen+8 : len(k)-4]
	staff, room, found := bytes.Cut(ids, []byte{0})
	if !found || len(room) == 0 || room[len(room)-1] != 0 {
		return SlotKeyParts{}, false
	}
	room = room[:len(room)-1]
	if bytes.IndexByte(room, 0) >= 0 {
		return SlotKeyParts{}, false
	}
	return SlotKeyParts{
		DurationSec: int64(binary.BigEndian.Uint64(k[prefixLen:])),
		StaffID:     staff,
		RoomID:      room,
		PartySize:   int32(binary.BigEndian.Uint32(k[len(k)-4:])),
	}, true
}
