package store

import (
	"bytes"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Field numbers read by decodeSlotSummary, from bookingserver.v1.StoredSlotRecord,
// StoredAvailability and its SchedulingRuleOverrides, and by decodeServiceSummary,
// from bookingserver.v1.StoredService and its StoredSchedulingRules (stored.proto;
// TestSummaryFieldNumbers checks them against the descriptors).
const (
	fieldSlotRecordAvailability = 1

	fieldAvailabilityStartSec  = 3
	fieldAvailabilitySpotsOpen = 6
	fieldAvailabilityTag       = 7
	fieldAvailabilityOverrides = 17

	fieldOverridesLastBookable  = 1
	fieldOverridesFirstBookable = 2

	fieldServiceRules           = 7
	fieldRulesMinAdvanceBooking = 4
	fieldRulesAdmissionPolicy   = 5
	fieldRulesBufferBeforeEnd   = 7
)

// scanSlotSummaries is scanSlots for booking.SlotSummaryReader: the duration and
// resources come from the key (prefixLen is the length of its SlotPrefix), the rest
// from the value's wire bytes, and nothing is copied or allocated per slot. Both
// cursors only move forward, so a batch of scans in key order costs one Seek per run
// of neighbouring keys (forwardCursor).
//
// s is where each summary is built for fn: the caller's, so that it is not a heap
// allocation per call (fn is opaque, so a local one would escape).
func scanSlotSummaries(slots, counts *forwardCursor, prefix []byte, prefixLen int, s *booking.SlotSummary, fn func(*booking.SlotSummary) bool) error {
	for k, v := slots.seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = slots.next() {
		parts, ok := feeds.SlotKey(k).Parts(prefixLen)
		if !ok {
			return fmt.Errorf("slot %x: malformed key", k)
		}
		*s = booking.SlotSummary{
			DurationSec: parts.DurationSec, StaffID: parts.StaffID, RoomID: parts.RoomID, PartySize: parts.PartySize,
			Booked: bookedCount(counts.get(k)),
		}
		if err := decodeSlotSummary(v, s); err != nil {
			return fmt.Errorf("slot %x: %w", k, err)
		}
		if !fn(s) {
			return nil
		}
	}
	return nil
}

// decodeServiceSummary fills s from an encoded actionscenter.v3.Service with
// proto.Unmarshal's semantics for what it reads (as decodeSlotSummary): only
// rules.min_advance_booking, which is all that an availability answer needs of a
// service. Decoding the whole service was an eighth of BatchAvailabilityLookup.
func decodeServiceSummary(raw []byte, s *booking.ServiceSummary) error {
	return eachField(raw, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != fieldServiceRules || typ != protowire.BytesType {
			return nil
		}
		return eachField(v, func(num protowire.Number, typ protowire.Type, _ []byte, n uint64) error {
			if typ != protowire.VarintType {
				return nil
			}
			switch num {
			case fieldRulesMinAdvanceBooking:
				s.MinAdvanceBookingSec = int64(n)
			case fieldRulesAdmissionPolicy:
				s.Flexible = acv3.SchedulingRules_AdmissionPolicy(int32(n)) == acv3.SchedulingRules_TIME_FLEXIBLE
			case fieldRulesBufferBeforeEnd:
				s.BufferBeforeEndSec = int64(n)
			}
			return nil
		})
	})
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
