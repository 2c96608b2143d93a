package booking

import (
	"errors"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// SlotSummary is the part of a feed slot that an availability answer reads: what
// matching (duration, tag, resources), the open count and bookable need, and nothing
// else. A store fills it from the stored bytes without decoding the whole
// Availability, which was the largest cost of BatchAvailabilityLookup.
//
// The byte slices alias the store's memory: they are valid until the transaction
// ends and must not be modified.
type SlotSummary struct {
	StartSec, DurationSec int64
	// SpotsOpen is the feed's spots_open.
	SpotsOpen       int64
	AvailabilityTag []byte
	StaffID, RoomID []byte
	PartySize       int32
	// FirstBookableSec and LastBookableSec are the slot's scheduling rule overrides
	// (0 when not set).
	FirstBookableSec, LastBookableSec int64
	// Booked is the number of live bookings holding a spot.
	Booked int64
}

// Open is Slot.Open for a summary: the feed's spots_open minus live bookings.
func (s *SlotSummary) Open() int64 {
	return s.SpotsOpen - s.Booked
}

// ServiceSummary is the part of a service that an availability answer reads. A
// store fills it from the stored bytes without decoding the whole Service.
type ServiceSummary struct {
	// MinAdvanceBookingSec is rules.min_advance_booking.
	MinAdvanceBookingSec int64
	// Flexible: rules.admission_policy is TIME_FLEXIBLE, and BufferBeforeEndSec its
	// min_booking_buffer_before_end_time (see closesAt).
	Flexible           bool
	BufferBeforeEndSec int64
}

// summarizeService is the ServiceSummary of a decoded service.
func summarizeService(svc *acv3.Service) ServiceSummary {
	r := svc.GetRules()
	return ServiceSummary{MinAdvanceBookingSec: r.GetMinAdvanceBooking(),
		Flexible:           r.GetAdmissionPolicy() == acv3.SchedulingRules_TIME_FLEXIBLE,
		BufferBeforeEndSec: r.GetMinBookingBufferBeforeEndTime()}
}

// SlotSummaryReader is an optional extension of ReadTx for the availability path:
// SlotSummaries visits the same slots as Slots, in the same order, with summaries
// instead of decoded slots. fn must not keep the pointer it is given past its return.
// Answers that only count spots use it when the transaction has it, and Slots
// otherwise, with the same result. A store may make calls in ascending order of
// (service, start, duration) cheaper than others; answers do not depend on the order.
type SlotSummaryReader interface {
	SlotSummaries(merchantID, serviceID string, startSec, durationSec int64, fn func(*SlotSummary) bool) error
	// HasMerchant reports whether the merchant is in the feed, without decoding it.
	HasMerchant(merchantID string) bool
	// ServiceSummary returns the summary of a service, or ErrNotFound.
	ServiceSummary(merchantID, serviceID string) (ServiceSummary, error)
}

// spotCounter answers open-spot queries for one read transaction: the catalog checks
// and the slot scans, from summaries when the transaction has them. It holds the
// scan callback so that a batch of queries allocates it once, not per query.
type spotCounter struct {
	tx      ReadTx
	summary SlotSummaryReader // nil when tx does not have summaries
	now     time.Time

	// The query being answered and its best slot so far, for visit.
	q     slotQuery
	best  SlotSummary
	found bool
	visit func(*SlotSummary) bool
}

// newSpotCounter returns a spotCounter over tx that judges bookability at now.
func newSpotCounter(tx ReadTx, now time.Time) *spotCounter {
	c := &spotCounter{tx: tx, now: now}
	c.summary, _ = tx.(SlotSummaryReader)
	// The same choice as findSlot: the matching slot with the most open spots, the
	// first of equals.
	c.visit = func(s *SlotSummary) bool {
		if matchesSlot(c.q, s.DurationSec, s.AvailabilityTag, s.StaffID, s.RoomID, s.PartySize) && (!c.found || s.Open() > c.best.Open()) {
			c.best, c.found = *s, true
		}
		return true
	}
	return c
}

// knownMerchant is knownMerchant(tx, merchantID) without decoding the merchant.
func (c *spotCounter) knownMerchant(merchantID string) error {
	if c.summary != nil && c.summary.HasMerchant(merchantID) {
		return nil
	}
	// Unknown (or no summaries): the decoding path states the error.
	return knownMerchant(c.tx, merchantID)
}

// service is serviceOf(tx, merchantID, serviceID), summarized.
func (c *spotCounter) service(merchantID, serviceID string) (ServiceSummary, error) {
	if c.summary != nil {
		s, err := c.summary.ServiceSummary(merchantID, serviceID)
		if !errors.Is(err, ErrNotFound) {
			return s, err
		}
		// Unknown: the decoding path states the error.
	}
	svc, err := serviceOf(c.tx, merchantID, serviceID)
	if err != nil {
		return ServiceSummary{}, err
	}
	return summarizeService(svc), nil
}

// open is the number of spots a booking for q could take now: the open count of the
// best matching slot if it is bookable now under svc's rules, else 0.
func (c *spotCounter) open(svc ServiceSummary, q slotQuery) (int64, error) {
	if c.summary == nil {
		return openSpotsOfSlots(c.tx, c.now, svc, q)
	}
	c.q, c.found = q, false
	if err := c.summary.SlotSummaries(q.merchantID, q.serviceID, q.startSec, q.durationSec, c.visit); err != nil || !c.found {
		return 0, err
	}
	b := &c.best
	if bookableNow, _ := bookableAt(c.now.Unix(), svc, b.StartSec, b.DurationSec, b.FirstBookableSec, b.LastBookableSec); !bookableNow {
		return 0, nil
	}
	return max(b.Open(), 0), nil
}
