package booking

import (
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Field paths of the v1alpha Booking that a notification can update: the updateMask
// names exactly the fields a change touched.
const (
	// MaskStatus: the booking's status changed (merchant cancel, no-show, async outcome).
	MaskStatus = "status"
	// MaskStartTime: the slot start changed (reschedule).
	MaskStartTime = "startTime"
	// MaskDuration: the slot length changed (reschedule).
	MaskDuration = "duration"
	// MaskPartySize: the party size changed.
	MaskPartySize = "partySize"
	// MaskPrepaymentStatus: the prepayment was refunded or credited. The path names
	// the one sub-field rather than all of paymentInformation, so Google does not
	// clear the price, deposit and fees that the notification does not carry.
	MaskPrepaymentStatus = "paymentInformation.prepaymentStatus"
)

// Notification snapshots rec (as it is after the change) into a notification whose
// updateMask is mask.
func Notification(rec *bsv1.BookingRecord, mask ...string) *bsv1.Notification {
	b := rec.GetBooking()
	return &bsv1.Notification{
		BookingId:            b.GetBookingId(),
		MerchantId:           b.GetSlot().GetMerchantId(),
		ServiceId:            b.GetSlot().GetServiceId(),
		StartSec:             b.GetSlot().GetStartSec(),
		DurationSec:          b.GetSlot().GetDurationSec(),
		PartySize:            b.GetSlot().GetResources().GetPartySize(),
		Status:               b.GetStatus(),
		PrepaymentStatus:     b.GetPaymentInformation().GetPrepaymentStatus(),
		PaymentTransactionId: b.GetPaymentInformation().GetPaymentTransactionId(),
		UpdateMask:           mask,
	}
}

// NotifyGoogle enqueues, in tx, a notification of rec's change to the fields in mask,
// if Google knows the booking (it came through the Actions Center); bookings from the
// merchant's own channels are not Google's to learn about, and nothing is written.
// Call it in the same Store.Update as the PutBooking that made the change, e.g.
//
//	rec.Booking.Status = acv3.BookingStatus_NO_SHOW_PENALIZED
//	if err := tx.PutBooking(rec); err != nil { return err }
//	return booking.NotifyGoogle(tx, rec, booking.MaskStatus)
func NotifyGoogle(tx Tx, rec *bsv1.BookingRecord, mask ...string) error {
	if rec.GetChannel() != bsv1.Channel_CHANNEL_ACTIONS_CENTER {
		return nil
	}
	return tx.Enqueue(Notification(rec, mask...))
}
