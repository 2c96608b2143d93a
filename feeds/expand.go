package feeds

import (
	"errors"

	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// errNoPeriod is Expand's error for a recurrence that would never advance.
var errNoPeriod = errors.New("feeds: recurrence.repeat_every_sec must be positive")

// Expand calls fn with each slot that a stands for, in start order, and stops at
// fn's first error, which it returns.
//
// A plain slot (no recurrence) is passed as is. A recurrence stands for the starts
// start_sec + k·repeat_every_sec up to repeat_until_sec inclusive; each becomes a
// new Availability, a deep copy of a with that start_sec, no recurrence and no
// schedule exceptions, and spots 1/1 (Google's recurrence model: capacity other
// than one is sent as explicit slots). A start is skipped when its slot
// [start, start+duration) overlaps the closed-open time_range of a
// schedule_exception, as Google's reference defines it; for exceptions aligned on
// slot boundaries that is exactly the starts inside the range.
//
// Everything is absolute Unix seconds, so expansion cannot go wrong across a
// daylight-saving change: a partner that means "every hour from 00:00 to 05:00
// local" sends the instants of those wall-clock times, and a day with a DST change
// simply holds one hour less or more.
func Expand(a *acv3.Availability, fn func(*acv3.Availability) error) error {
	r := a.GetRecurrence()
	if r == nil {
		return fn(a)
	}
	every, start, until := r.GetRepeatEverySec(), a.GetStartSec(), r.GetRepeatUntilSec()
	if every <= 0 {
		return errNoPeriod
	}
	template := proto.Clone(a).(*acv3.Availability)
	template.Recurrence, template.ScheduleException = nil, nil
	template.SpotsTotal, template.SpotsOpen = 1, 1
	// Decoding the template's wire form is a deep copy several times faster
	// than proto.Clone, which walks the message by reflection.
	wire, err := proto.Marshal(template)
	if err != nil {
		return err
	}
	exceptions := a.GetScheduleException()
	duration := max(a.GetDurationSec(), 1)
	if until < start {
		return nil
	}
	// Offsets are unsigned and never step past span, so that no start near the
	// int64 limits can overflow.
	span := uint64(until) - uint64(start)
	for offset := uint64(0); ; offset += uint64(every) {
		t := start + int64(offset)
		if !excepted(t, duration, exceptions) {
			slot := &acv3.Availability{}
			if err := proto.Unmarshal(wire, slot); err != nil {
				return err
			}
			slot.StartSec = t
			if err := fn(slot); err != nil {
				return err
			}
		}
		if span-offset < uint64(every) {
			return nil
		}
	}
}

// excepted reports whether the slot [start, start+duration) overlaps one of the
// exceptions' closed-open time ranges.
func excepted(start, duration int64, exceptions []*acv3.Availability_ScheduleException) bool {
	for _, e := range exceptions {
		tr := e.GetTimeRange()
		if start < tr.GetEndSec() && tr.GetStartSec()-duration < start {
			return true
		}
	}
	return false
}
