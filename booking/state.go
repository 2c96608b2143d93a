package booking

import acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"

// The booking state machine. A booking is created CONFIRMED (or, for an asynchronous
// slot or a payment still outstanding, PENDING_MERCHANT_CONFIRMATION). While live it
// holds one spot of its slot. Every other status is final and holds no spot:
//
//	CONFIRMED ──cancel──▶ CANCELED
//	CONFIRMED ──merchant──▶ NO_SHOW | NO_SHOW_PENALIZED
//	PENDING_MERCHANT_CONFIRMATION ──▶ CONFIRMED | DECLINED_BY_MERCHANT | FAILED | CANCELED

// HoldsSpot reports whether a booking in status is live: it holds a spot of its slot.
func HoldsSpot(status acv3.BookingStatus) bool {
	return status == acv3.BookingStatus_CONFIRMED || status == acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION
}
