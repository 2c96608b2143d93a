package booking

import (
	"fmt"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// slotQuery is a slot as a caller names it: merchant, service and start are required;
// duration, availability tag and resources narrow the match when given.
type slotQuery struct {
	merchantID, serviceID string
	startSec, durationSec int64
	tag                   string
	staffID, roomID       string
	partySize             int32
}

func queryFromSlot(s *acv3.Slot) slotQuery {
	return slotQuery{
		merchantID: s.GetMerchantId(), serviceID: s.GetServiceId(),
		startSec: s.GetStartSec(), durationSec: s.GetDurationSec(), tag: s.GetAvailabilityTag(),
		staffID: s.GetResources().GetStaffId(), roomID: s.GetResources().GetRoomId(),
		partySize: s.GetResources().GetPartySize(),
	}
}

func queryFromSlotTime(merchantID string, s *acv3.SlotTime) slotQuery {
	return slotQuery{
		merchantID: merchantID, serviceID: s.GetServiceId(),
		startSec: s.GetStartSec(), durationSec: s.GetDurationSec(), tag: s.GetAvailabilityTag(),
		staffID: s.GetResourceIds().GetStaffId(), roomID: s.GetResourceIds().GetRoomId(),
		partySize: s.GetResourceIds().GetPartySize(),
	}
}

// validate rejects a malformed query (a caller error, not a business failure).
func (q slotQuery) validate(field string) error {
	if what := q.problem(); what != "" {
		return fmt.Errorf("%s%s: %w", field, what, ErrInvalid)
	}
	return nil
}

// problem is what makes q malformed, to follow its field name in validate's error,
// or "" when q is well formed. It is apart from validate so that a batch can check
// its queries without formatting a field name for each.
func (q slotQuery) problem() string {
	switch {
	case q.merchantID == "":
		return ".merchant_id is required"
	case q.serviceID == "":
		return ".service_id is required"
	case q.startSec <= 0:
		return ".start_sec must be a positive Unix time"
	case q.durationSec < 0:
		return ".duration_sec must not be negative"
	case q.partySize < 0:
		return " party_size must not be negative"
	}
	return ""
}

// matches reports whether a feed slot is the one asked for. Empty fields of the query
// match anything; a party size only constrains slots that have one (dining).
func (q slotQuery) matches(a *acv3.Availability) bool {
	r := a.GetResources()
	return matchesSlot(q, a.GetDurationSec(), a.GetAvailabilityTag(), r.GetStaffId(), r.GetRoomId(), r.GetPartySize())
}

// matchesSlot is matches on a slot's fields, decoded (string) or still in the store's
// bytes ([]byte, compared without copying): the one statement of the matching rule.
func matchesSlot[S string | []byte](q slotQuery, durationSec int64, tag, staffID, roomID S, partySize int32) bool {
	switch {
	case q.durationSec != 0 && durationSec != q.durationSec:
		return false
	case q.tag != "" && string(tag) != q.tag:
		return false
	case q.staffID != "" && string(staffID) != q.staffID:
		return false
	case q.roomID != "" && string(roomID) != q.roomID:
		return false
	case q.partySize != 0 && partySize != 0 && partySize != q.partySize:
		return false
	}
	return true
}

// findSlot returns the matching slot with the most open spots, or ok=false.
func findSlot(tx ReadTx, q slotQuery) (best Slot, ok bool, err error) {
	err = tx.Slots(q.merchantID, q.serviceID, q.startSec, q.durationSec, func(s Slot) bool {
		if q.matches(s.Availability) && (!ok || s.Open() > best.Open()) {
			best, ok = s, true
		}
		return true
	})
	return best, ok, err
}

// bookable says whether a slot may be booked at now under the service's rules and the
// slot's overrides; when not, the reason is for BookingFailure.description.
func bookable(now time.Time, svc *acv3.Service, a *acv3.Availability) (bool, string) {
	o := a.GetSchedulingRuleOverrides()
	return bookableAt(now.Unix(), summarizeService(svc), a.GetStartSec(), a.GetDurationSec(), o.GetFirstBookableSec(), o.GetLastBookableSec())
}

// closesAt is when a slot stops taking bookings by the service's admission policy: at
// its start (TIME_STRICT, the default), or, for TIME_FLEXIBLE (users arrive any time in
// the slot), at its end minus min_booking_buffer_before_end_time.
func closesAt(svc ServiceSummary, start, duration int64) int64 {
	if svc.Flexible {
		return start + duration - svc.BufferBeforeEndSec
	}
	return start
}

// bookableAt is bookable on the fields it reads: the Unix time t, the service's
// summary, the slot's start and duration and its first_bookable_sec and
// last_bookable_sec overrides (0 when not set). min_advance_booking counts back from
// when the slot closes (its start unless TIME_FLEXIBLE).
func bookableAt(t int64, svc ServiceSummary, start, duration, firstBookable, lastBookable int64) (bool, string) {
	closes := closesAt(svc, start, duration)
	switch {
	case closes <= t && closes == start:
		return false, "the slot has started"
	case closes <= t:
		return false, "the slot closes min_booking_buffer_before_end_time before its end"
	case firstBookable != 0 && t < firstBookable:
		return false, "the slot is not bookable yet"
	case lastBookable != 0 && t > lastBookable:
		return false, "the slot is no longer bookable"
	case lastBookable == 0 && closes-t < svc.MinAdvanceBookingSec:
		return false, fmt.Sprintf("bookings close %d s before the start", svc.MinAdvanceBookingSec)
	}
	return true, ""
}

// cancelDeadline is the last Unix time a user may cancel online: the slot's
// last_online_cancellable_sec override, else start − min_advance_online_canceling
// (the start when none is set).
func cancelDeadline(svc *acv3.Service, a *acv3.Availability, start int64) int64 {
	if o := a.GetSchedulingRuleOverrides().GetLastOnlineCancellableSec(); o != 0 {
		return o
	}
	return start - svc.GetRules().GetMinAdvanceOnlineCanceling()
}
