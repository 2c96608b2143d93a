package synth

import (
	"fmt"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// LookupSlots is the number of slot times in a BatchRequest, as in the target.
const LookupSlots = 20

// BatchRequest returns the r-th BatchAvailabilityLookup of 20 slot times: one merchant
// (r mod Merchants), its services in turn, consecutive starts from a position that
// moves with r across the whole horizon, so that lookups touch the whole store. Every
// slot asked for exists in the feed.
func (l Layout) BatchRequest(r int) *acv3.BatchAvailabilityLookupRequest {
	m := r % l.p.Merchants
	perService := (LookupSlots + l.p.ServicesPerMerchant - 1) / l.p.ServicesPerMerchant
	span := max(l.SlotsPerSeries()-perService-1, 1)
	// A multiplicative hash spreads consecutive r over the horizon.
	t := int((uint64(r) * 0x9E3779B97F4A7C15 >> 11) % uint64(span))
	req := &acv3.BatchAvailabilityLookupRequest{MerchantId: MerchantID(m), SlotTime: make([]*acv3.SlotTime, 0, LookupSlots)}
	for k := range LookupSlots {
		s := k % l.p.ServicesPerMerchant
		req.SlotTime = append(req.SlotTime, &acv3.SlotTime{
			ServiceId:   ServiceID(m, s),
			StartSec:    l.p.StartSec + int64(t+k/l.p.ServicesPerMerchant)*SlotDurationSec,
			DurationSec: SlotDurationSec,
			ResourceIds: &acv3.ResourceIds{StaffId: StaffID(m, s)},
		})
	}
	return req
}

// CreateRequest returns a CreateBooking of slot i mod Slots for a user of its own with
// its own idempotency token (both derived from id, which the caller keeps unique).
func (l Layout) CreateRequest(i int, id string) *acv3.CreateBookingRequest {
	m, s, start := l.Slot(i % l.p.Slots)
	return &acv3.CreateBookingRequest{
		Slot: &acv3.Slot{
			MerchantId: MerchantID(m), ServiceId: ServiceID(m, s),
			StartSec: start, DurationSec: SlotDurationSec,
			Resources: &acv3.ResourceIds{StaffId: StaffID(m, s)},
		},
		UserInformation:  &acv3.UserInformation{UserId: "user-" + id, GivenName: "Load", FamilyName: "Test", Email: "user-" + id + "@example.com"},
		IdempotencyToken: "token-" + id,
	}
}

// CheckLookup fails unless every slot time of a lookup of a store of free slots is
// answered available: a benchmark must measure answers, not errors.
func CheckLookup(resp *acv3.BatchAvailabilityLookupResponse, err error) error {
	if err != nil {
		return err
	}
	if len(resp.GetSlotTimeAvailability()) != LookupSlots {
		return fmt.Errorf("%d answers, want %d", len(resp.GetSlotTimeAvailability()), LookupSlots)
	}
	for _, a := range resp.GetSlotTimeAvailability() {
		if !a.GetAvailable() {
			return fmt.Errorf("slot %v unavailable in a store of free slots", a.GetSlotTime())
		}
	}
	return nil
}
