package booking

import (
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

// SlotSummaryReader is an optional extension of ReadTx for the availability path:
// SlotSummaries visits the same slots as Slots, in the same order, with summaries
// instead of decoded slots. fn must not keep the pointer it is given past its return.
// Answers that only count spots use it when the transaction has it, and Slots
// otherwise, with the same result.
type SlotSummaryReader interface {
	SlotSummaries(merchantID, serviceID string, startSec, durationSec int64, fn func(*SlotSummary) bool) error
}

// spotCounter answers openSpots for every query of one read transaction. It holds
// the scan callback so that a batch of queries allocates it once, not per query.
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

// open is the number of spots a booking for q could take now: the open count of the
// best matching slot if it is bookable now, else 0.
func (c *spotCounter) open(svc *acv3.Service, q slotQuery) (int64, error) {
	if c.summary == nil {
		return openSpotsOfSlots(c.tx, c.now, svc, q)
	}
	c.q, c.found = q, false
	if err := c.summary.SlotSummaries(q.merchantID, q.serviceID, q.startSec, q.durationSec, c.visit); err != nil || !c.found {
		return 0, err
	}
	b := &c.best
	if bookableNow, _ := bookableAt(c.now.Unix(), svc, b.StartSec, b.FirstBookableSec, b.LastBookableSec); !bookableNow {
		return 0, nil
	}
	return max(b.Open(), 0), nil
}
