package conformance

import (
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// SlotFilter narrows the feed's slots to those a run may use.
type SlotFilter struct {
	// After drops slots starting before it (past slots, and those too close to book or
	// cancel online).
	After time.Time
	// Services keeps only these service ids (all when empty).
	Services []string
	// SkipCardSlots drops slots whose availability record asks for a card (prepayment,
	// deposit, no-show fee, require_credit_card ALWAYS), for a server without a payment
	// processor. Service-level requirements are not in the availability feed: combine
	// with Services.
	SkipCardSlots bool
}

// LoadSlots reads an availability feed file and returns its slots, recurrences
// expanded, filtered and sorted by merchant, service and start.
func LoadSlots(path string, f SlotFilter) ([]*acv3.Availability, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	feed, err := feeds.ParseAvailabilityFeed(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	keep := map[string]bool{}
	for _, s := range f.Services {
		keep[s] = true
	}
	var out []*acv3.Availability
	for _, sa := range feed.GetServiceAvailability() {
		for _, a := range sa.GetAvailability() {
			err := feeds.Expand(a, func(slot *acv3.Availability) error {
				switch {
				case slot.GetStartSec() < f.After.Unix():
				case len(keep) > 0 && !keep[slot.GetServiceId()]:
				case f.SkipCardSlots && needsCard(slot):
				default:
					out = append(out, slot)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("%s: expand %s/%s at %d: %w", path, a.GetMerchantId(), a.GetServiceId(), a.GetStartSec(), err)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.GetMerchantId() != b.GetMerchantId() {
			return a.GetMerchantId() < b.GetMerchantId()
		}
		if a.GetServiceId() != b.GetServiceId() {
			return a.GetServiceId() < b.GetServiceId()
		}
		return a.GetStartSec() < b.GetStartSec()
	})
	return out, nil
}

// needsCard reports whether the slot's own record asks for a card.
func needsCard(a *acv3.Availability) bool {
	return a.GetPrepayment() != nil || a.GetDeposit() != nil || a.GetNoShowFee() != nil ||
		a.GetRequireCreditCard() == acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS
}

// slotTime is the lookup form of a feed slot.
func slotTime(a *acv3.Availability) *acv3.SlotTime {
	return &acv3.SlotTime{
		ServiceId:       a.GetServiceId(),
		StartSec:        a.GetStartSec(),
		DurationSec:     a.GetDurationSec(),
		AvailabilityTag: a.GetAvailabilityTag(),
		ResourceIds:     resourceIDs(a),
	}
}

// bookingSlot is the CreateBooking/UpdateBooking form of a feed slot.
func bookingSlot(a *acv3.Availability) *acv3.Slot {
	return &acv3.Slot{
		MerchantId:      a.GetMerchantId(),
		ServiceId:       a.GetServiceId(),
		StartSec:        a.GetStartSec(),
		DurationSec:     a.GetDurationSec(),
		AvailabilityTag: a.GetAvailabilityTag(),
		Resources:       resourceIDs(a),
	}
}

func resourceIDs(a *acv3.Availability) *acv3.ResourceIds {
	r := a.GetResources()
	if r == nil {
		return nil
	}
	return &acv3.ResourceIds{StaffId: r.GetStaffId(), RoomId: r.GetRoomId(), PartySize: r.GetPartySize()}
}

// slotName names a slot in reasons: "merchant-1/service-1-a@2026-11-30T14:00:00Z".
func slotName(a *acv3.Availability) string {
	name := fmt.Sprintf("%s/%s@%s", a.GetMerchantId(), a.GetServiceId(), time.Unix(a.GetStartSec(), 0).UTC().Format(time.RFC3339))
	if s := a.GetResources().GetStaffId(); s != "" {
		name += "/staff=" + s
	}
	return name
}
