package booking

import (
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// ChangeSpots changes the live-booking count of the slot by delta and records that
// its open spots changed, in tx: every change of open spots (booking, cancel,
// reschedule, decline, cart hold and its expiry) goes through here, so Google's view
// is updated by an availability RTU whenever ours changes.
func ChangeSpots(tx Tx, slotKey []byte, delta int64) error {
	if err := tx.AddBooked(slotKey, delta); err != nil {
		return err
	}
	return tx.SpotsChanged(slotKey)
}

// AvailabilityUpdate is one pending availability RTU with the state to send: the
// slots of the record's service whose start is in the record's window, as they are
// now (Slot.Open is what Google must show). No slots means the window is empty and
// Google removes what it had there.
type AvailabilityUpdate struct {
	Record *bsv1.AvailabilityRecord
	Slots  []Slot
}
