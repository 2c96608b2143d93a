package booking

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// CartLimits caps the unpaid cart holds that can exist at once, against mass
// reservations (OWASP API6): a hold costs nothing until it expires.
type CartLimits struct {
	// PerCustomer caps the live unpaid holds of one customer (same user_id, or same
	// email ignoring case).
	PerCustomer int
	// PerSlot caps the live unpaid holds of one slot, so that paying customers keep
	// some of a large slot.
	PerSlot int
}

// DefaultCartLimits: 3 unpaid holds per customer, 5 per slot.
var DefaultCartLimits = CartLimits{PerCustomer: 3, PerSlot: 5}

func (l CartLimits) withDefaults() CartLimits {
	if l.PerCustomer <= 0 {
		l.PerCustomer = DefaultCartLimits.PerCustomer
	}
	if l.PerSlot <= 0 {
		l.PerSlot = DefaultCartLimits.PerSlot
	}
	return l
}

// overCartLimits says which limit a new hold of rec would exceed ("" when none). It
// scans the live holds, which the limits themselves keep few.
func (s *Service) overCartLimits(tx ReadTx, rec *bsv1.BookingRecord) (string, error) {
	user := rec.GetBooking().GetUserInformation()
	var customer, slot int
	err := tx.CartHolds(math.MaxInt64, func(h *bsv1.BookingRecord) bool {
		hu := h.GetBooking().GetUserInformation()
		if hu.GetUserId() == user.GetUserId() || (user.GetEmail() != "" && strings.EqualFold(hu.GetEmail(), user.GetEmail())) {
			customer++
		}
		if bytes.Equal(h.GetSlotKey(), rec.GetSlotKey()) {
			slot++
		}
		return true
	})
	switch {
	case err != nil:
		return "", err
	case customer >= s.cartLimits.PerCustomer:
		return "customer", nil
	case slot >= s.cartLimits.PerSlot:
		return "slot", nil
	}
	return "", nil
}

// holdLimits is the failure to answer when a new unpaid hold of rec (cart or hosted
// gateway) would exceed a limit, or nil.
func (s *Service) holdLimits(tx ReadTx, rec *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) {
	switch over, err := s.overCartLimits(tx, rec); {
	case err != nil:
		return nil, err
	case over == "customer":
		return createFailure(acv3.BookingFailure_USER_OVER_BOOKING_LIMIT, fmt.Sprintf("this customer already has %d unpaid cart bookings", s.cartLimits.PerCustomer)), nil
	case over == "slot":
		return createFailure(acv3.BookingFailure_SLOT_UNAVAILABLE, fmt.Sprintf("this slot already has %d unpaid cart bookings", s.cartLimits.PerSlot)), nil
	}
	return nil, nil
}
