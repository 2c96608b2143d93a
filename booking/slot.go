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
	switch {
	case q.merchantID == "":
		return fmt.Errorf("%s.merchant_id is required: %w", field, ErrInvalid)
	case q.serviceID == "":
		return fmt.Errorf("%s.service_id is required: %w", field, ErrInvalid)
	case q.startSec <= 0:
		return fmt.Errorf("%s.start_sec must be a positive Unix time: %w", field, ErrInvalid)
	case q.durationSec < 0:
		return fmt.Errorf("%s.duration_sec must not be negative: %w", field, ErrInvalid)
	case q.partySize < 0:
		return fmt.Errorf("%s party_size must not be negative: %w", field, ErrInvalid)
	}
	return nil
}

// matches reports whether a feed slot is the one asked for. Empty fields of the query
// match anything; a party size only constrains slots that have one (dining).
func (q slotQuery) matches(a *acv3.Availability) bool {
	r := a.GetResources()
	switch {
	case q.durationSec != 0 && a.GetDurationSec() != q.durationSec:
		return false
	case q.tag != "" && a.GetAvailabilityTag() != q.tag:
		return false
	case q.staffID != "" && r.GetStaffId() != q.staffID:
		return false
	case q.roomID != "" && r.GetRoomId() != q.roomID:
		return false
	case q.partySize != 0 && r.GetPartySize() != 0 && r.GetPartySize() != q.partySize:
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
	t := now.Unix()
	start := a.GetStartSec()
	o := a.GetSchedulingRuleOverrides()
	switch {
	case start <= t:
		return false, "the slot has started"
	case o.GetFirstBookableSec() != 0 && t < o.GetFirstBookableSec():
		return false, "the slot is not bookable yet"
	case o.GetLastBookableSec() != 0 && t > o.GetLastBookableSec():
		return false, "the slot is no longer bookable"
	case o.GetLastBookableSec() == 0 && start-t < svc.GetRules().GetMinAdvanceBooking():
		return false, fmt.Sprintf("bookings close %d s before the start", svc.GetRules().GetMinAdvanceBooking())
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
