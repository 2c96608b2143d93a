package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
)

// Field numbers read by decodeSlotSummary, from bookingserver.v1.SlotRecord,
// actionscenter.v3.Availability and its SchedulingRuleOverrides.
const (
	fieldSlotRecordAvailability = 1

	fieldAvailabilityStartSec  = 3
	fieldAvailabilitySpotsOpen = 6
	fieldAvailabilityTag       = 7
	fieldAvailabilityOverrides = 17

	fieldOverridesLastBookable  = 1
	fieldOverridesFirstBookable = 2
)

// scanSlotSummaries is scanSlots for booking.SlotSummaryReader: the duration and
// resources come from the key (prefixLen is the length of its SlotPrefix), the rest
// from the value's wire bytes, and nothing is copied or allocated per slot.
func scanSlotSummaries(slots, counts *bolt.Bucket, prefix []byte, prefixLen int, fn func(*booking.SlotSummary) bool) error {
	var s booking.SlotSummary
	c := slots.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		parts, ok := feeds.SlotKey(k).Parts(prefixLen)
		if !ok {
			return fmt.Errorf("slot %x: malformed key", k)
		}
		s = booking.SlotSummary{
			DurationSec: parts.DurationSec, StaffID: parts.StaffID, RoomID: parts.RoomID, PartySize: parts.PartySize,
			Booked: booked(counts, k),
		}
		if err := decodeSlotSummary(v, &s); err != nil {
			return fmt.Errorf("slot %x: %w", k, err)
		}
		if !fn(&s) {
			return nil
		}
	}
	return nil
}

// decodeSlotSummary sets the start, spots_open, availability_tag and bookable
// overrides of s from an encoded SlotRecord, with proto.Unmarshal's semantics for
// what it reads: the last value of a scalar wins, repeated messages merge, and fields
// of another wire type are skipped as unknown.
func decodeSlotSummary(raw []byte, s *booking.SlotSummary) error {
	return eachField(raw, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != fieldSlotRecordAvailability || typ != protowire.BytesType {
			return nil
		}
		return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
			switch {
			case num == fieldAvailabilityStartSec && typ == protowire.VarintType:
				s.StartSec = int64(n)
			case num == fieldAvailabilitySpotsOpen && typ == protowire.VarintType:
				s.SpotsOpen = int64(n)
			case num == fieldAvailabilityTag && typ == protowire.BytesType:
				s.AvailabilityTag = v
			case num == fieldAvailabilityOverrides && typ == protowire.BytesType:
				return eachField(v, func(num protowire.Number, typ protowire.Type, _ []byte, n uint64) error {
					switch {
					case num == fieldOverridesLastBookable && typ == protowire.VarintType:
						s.LastBookableSec = int64(n)
					case num == fieldOverridesFirstBookable && typ == protowire.VarintType:
						s.FirstBookableSec = int64(n)
					}
					return nil
				})
			}
			return nil
		})
	})
}

// eachField calls fn for every field of an encoded message with its number, wire
// type and value: v for a length-delimited field, n for a varint (other types are
// skipped). It fails on malformed input, as proto.Unmarshal would.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error) error {
	for len(b) > 0 {
		num, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return fmt.Errorf("decode: %w", protowire.ParseError(l))
		}
		b = b[l:]
		var v []byte
		var n uint64
		switch typ {
		case protowire.VarintType:
			n, l = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			v, l = protowire.ConsumeBytes(b)
		default:
			l = protowire.ConsumeFieldValue(num, typ, b)
		}
		if l < 0 {
			return fmt.Errorf("decode: %w", protowire.ParseError(l))
		}
		b = b[l:]
		if typ == protowire.VarintType || typ == protowire.BytesType {
			if err := fn(num, typ, v, n); err != nil {
				return err
			}
		}
	}
	return nil
}
