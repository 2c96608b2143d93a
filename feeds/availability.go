package feeds

import (
	"fmt"
	"hash/maphash"
	"strings"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// maxRepeatEverySec is Google's limit on Recurrence.repeat_every_sec: 24 hours.
const maxRepeatEverySec = 24 * 60 * 60

// ValidateAvailabilityFeed checks an availability feed: metadata; the restrict
// range of each service_availability and that its slots lie inside the restricted
// merchant and service; each slot's ids, start, duration and spots; recurrences and
// schedule exceptions; per-slot deposit, no-show fee and prepayment; that no two
// records describe the same slot (SlotKey); and, through catalog, that the service
// exists, that the slot's charges are in its price's currency, and that every
// payment_option_id is defined on the merchant. A nil catalog skips the last
// three. It returns nil or a *ValidationError.
//
// AvailabilityStream runs the same checks on a feed as it is decoded, without
// holding the feed.
func ValidateAvailabilityFeed(feed *acv3.AvailabilityFeed, catalog Catalog) error {
	c := newAvailabilityChecker(catalog)
	for _, sa := range feed.GetServiceAvailability() {
		i := c.serviceAvailability(sa)
		for _, a := range sa.GetAvailability() {
			c.slot(i, sa, a)
		}
	}
	return c.result(feed.GetMetadata())
}

// availabilityChecker checks an availability feed record by record, in feed order,
// so that the same checks serve a feed held in memory (ValidateAvailabilityFeed)
// and one that streams past (AvailabilityStream). It keeps no record: only the
// problems found and the fingerprints of the slots seen.
type availabilityChecker struct {
	ps      problems
	catalog Catalog
	slots   *slotSet
	// next is the index of the next service_availability; j that of its next slot.
	next, j int
}

// newAvailabilityChecker returns a checker that asks catalog (nil: skip) the
// cross-feed questions.
func newAvailabilityChecker(catalog Catalog) *availabilityChecker {
	return &availabilityChecker{ps: problems{feed: kindAvailability}, catalog: catalog, slots: newSlotSet()}
}

// serviceAvailability checks the restricts of the next service_availability and
// returns its index; its slots follow with slot.
func (c *availabilityChecker) serviceAvailability(sa *acv3.ServiceAvailability) int {
	i := c.next
	c.next++
	c.j = 0
	checkRestricts(&c.ps, i, sa)
	return i
}

// slot checks the next slot a of service_availability[i], sa (whose restricts
// alone are read).
func (c *availabilityChecker) slot(i int, sa *acv3.ServiceAvailability, a *acv3.Availability) {
	j := c.j
	c.j++
	record := availabilityRecord{i, j, a}
	if m := sa.GetMerchantIdRestrict(); m != "" && a.GetMerchantId() != m {
		c.ps.add(record, "merchant_id", "outside merchant_id_restrict %q", m)
	}
	if s := sa.GetServiceIdRestrict(); s != "" && a.GetServiceId() != s {
		c.ps.add(record, "service_id", "outside service_id_restrict %q", s)
	}
	if first, dup := c.slots.add(i, j, a); dup {
		c.ps.add(record, "start_sec", "same slot (merchant, service, start, duration, resources) as %s", first)
	}
	checkSlot(&c.ps, record, a, c.catalog)
}

// ok reports whether no record problem has been found so far.
func (c *availabilityChecker) ok() bool { return len(c.ps.err.Problems) == 0 }

// result checks the feed's metadata md and returns nil or a *ValidationError with
// the metadata's problems first, then the records', as if md had been checked
// first: a streamed feed may put its metadata after its records.
func (c *availabilityChecker) result(md *acv3.FeedMetadata) error {
	ps := &problems{feed: kindAvailability}
	checkMetadata(ps, md)
	for _, p := range c.ps.err.Problems {
		if len(ps.err.Problems) == maxProblems {
			ps.err.Dropped++
			continue
		}
		ps.err.Problems = append(ps.err.Problems, p)
	}
	ps.err.Dropped += c.ps.err.Dropped
	return ps.result()
}

// checkRestricts checks the replaced range of service_availability[i].
func checkRestricts(ps *problems, i int, sa *acv3.ServiceAvailability) {
	record := label(fmt.Sprintf("service_availability[%d]", i))
	start, end := sa.GetStartTimestampRestrict(), sa.GetEndTimestampRestrict()
	if start < 0 || end < 0 {
		ps.add(record, "start_timestamp_restrict", "negative restrict range [%d, %d)", start, end)
	}
	if start != 0 && end != 0 && end <= start {
		ps.add(record, "end_timestamp_restrict", "%d is not after start_timestamp_restrict %d", end, start)
	}
	if sa.GetDurationRestrictSec() < 0 {
		ps.add(record, "duration_restrict_sec", "is negative (%d)", sa.GetDurationRestrictSec())
	}
}

// checkSlot checks one Availability record.
func checkSlot(ps *problems, record fmt.Stringer, a *acv3.Availability, catalog Catalog) {
	if a.GetMerchantId() == "" {
		ps.add(record, "merchant_id", "missing")
	}
	if a.GetServiceId() == "" {
		ps.add(record, "service_id", "missing")
	}
	for _, id := range []struct{ field, value string }{
		{"merchant_id", a.GetMerchantId()},
		{"service_id", a.GetServiceId()},
		{"resources.staff_id", a.GetResources().GetStaffId()},
		{"resources.room_id", a.GetResources().GetRoomId()},
	} {
		if strings.IndexByte(id.value, 0) >= 0 {
			ps.add(record, id.field, "contains a NUL character, which slot keys use as a separator")
		}
	}
	if a.GetResources().GetPartySize() < 0 {
		ps.add(record, "resources.party_size", "is negative (%d)", a.GetResources().GetPartySize())
	}
	if a.GetStartSec() <= 0 {
		ps.add(record, "start_sec", "is %d; want Unix seconds after 1970", a.GetStartSec())
	}
	if a.GetDurationSec() <= 0 {
		ps.add(record, "duration_sec", "is %d; want a positive number of seconds", a.GetDurationSec())
	}
	checkSpots(ps, record, a)
	checkRecurrence(ps, record, a)
	var service *acv3.Service
	var merchant *acv3.Merchant
	if catalog != nil && a.GetMerchantId() != "" && a.GetServiceId() != "" {
		s, ok := catalog.Service(a.GetMerchantId(), a.GetServiceId())
		if !ok {
			ps.add(record, "service_id", "unknown service %q of merchant %q", a.GetServiceId(), a.GetMerchantId())
		}
		service = s
		merchant, _ = catalog.Merchant(a.GetMerchantId())
	}
	checkCharges(ps, record, a.GetDeposit(), a.GetNoShowFee(), service.GetPrice())
	if p := a.GetPrepayment(); p != nil {
		if pr := p.GetPriceInfo().GetPrice(); pr == nil {
			ps.add(record, "prepayment.price_info.price", "missing")
		} else {
			checkPrice(ps, record, "prepayment.price_info.price", pr)
		}
	}
	checkPaymentOptionIDs(ps, record, a.GetPaymentOptionId(), merchant)
}

// checkSpots checks capacity. A recurrence stands for slots of spots 1/1 (Google's
// recurrence model), so a recurring record may leave spots unset or say 1/1, and
// capacity beyond one needs explicit slots.
func checkSpots(ps *problems, record fmt.Stringer, a *acv3.Availability) {
	total, open := a.GetSpotsTotal(), a.GetSpotsOpen()
	switch {
	case total < 0:
		ps.add(record, "spots_total", "is negative (%d)", total)
	case open < 0:
		ps.add(record, "spots_open", "is negative (%d)", open)
	case open > total:
		ps.add(record, "spots_open", "%d is more than spots_total %d", open, total)
	case a.GetRecurrence() != nil && !(total == 0 && open == 0) && !(total == 1 && open == 1):
		ps.add(record, "spots_total", "is %d/%d open; a recurrence implies spots 1/1, use explicit slots for other capacities", total, open)
	}
}

// checkRecurrence checks a recurrence and the schedule exceptions.
func checkRecurrence(ps *problems, record fmt.Stringer, a *acv3.Availability) {
	if r := a.GetRecurrence(); r != nil {
		if every := r.GetRepeatEverySec(); every <= 0 || every > maxRepeatEverySec {
			ps.add(record, "recurrence.repeat_every_sec", "is %d; want 1 to %d (24 h)", every, maxRepeatEverySec)
		}
		if r.GetRepeatUntilSec() < a.GetStartSec() {
			ps.add(record, "recurrence.repeat_until_sec", "%d is before start_sec %d", r.GetRepeatUntilSec(), a.GetStartSec())
		}
	}
	for k, e := range a.GetScheduleException() {
		field := fieldIndex("schedule_exception", k) + ".time_range"
		tr := e.GetTimeRange()
		if tr == nil {
			ps.add(record, field, "missing")
			continue
		}
		if tr.GetEndSec() <= tr.GetStartSec() {
			ps.add(record, field+".end_sec", "%d is not after start_sec %d", tr.GetEndSec(), tr.GetStartSec())
		}
	}
}

// availabilityRecord is slot j of service_availability[i].
type availabilityRecord struct {
	i, j int
	a    *acv3.Availability
}

// String names the slot by position, ids and start.
func (r availabilityRecord) String() string {
	return fmt.Sprintf("service_availability[%d].availability[%d] merchant_id=%q service_id=%q start_sec=%d",
		r.i, r.j, r.a.GetMerchantId(), r.a.GetServiceId(), r.a.GetStartSec())
}

// slotSet finds records with the same SlotKey. A million-slot feed is ordinary
// and may stream past without being held, so it keeps neither keys nor records:
// only a 128-bit fingerprint of each key (two 64-bit maphash values under
// independent random seeds) and where the slot was. Two different keys share a
// fingerprint with probability about n²/2¹²⁹, some 10⁻²⁷ for a million slots, far
// below the odds of a memory fault; 24 bytes a slot instead of a 70-byte key.
type slotSet struct {
	seeds [2]maphash.Seed
	first map[[2]uint64]slotRef
}

// slotRef is where a slot was first seen: slot j of service_availability[i].
type slotRef struct{ i, j uint32 }

// String names the record.
func (r slotRef) String() string {
	return fmt.Sprintf("service_availability[%d].availability[%d]", r.i, r.j)
}

// newSlotSet returns an empty slotSet.
func newSlotSet() *slotSet {
	return &slotSet{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, first: map[[2]uint64]slotRef{}}
}

// add records slot j of service_availability[i] and, if the same slot was added
// before, returns that one and true.
func (s *slotSet) add(i, j int, a *acv3.Availability) (slotRef, bool) {
	var buf [128]byte
	key := AppendSlotKey(buf[:0], a)
	fp := [2]uint64{maphash.Bytes(s.seeds[0], key), maphash.Bytes(s.seeds[1], key)}
	if prev, ok := s.first[fp]; ok {
		return prev, true
	}
	s.first[fp] = slotRef{uint32(i), uint32(j)}
	return slotRef{}, false
}
