package imoje

import (
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment"
)

// maxMinor bounds amounts read from imoje (10^12 minor units) so that conversion to
// micros can never overflow.
const maxMinor = 1_000_000_000_000

// toMoney converts imoje's integer minor units into booking.Money exactly.
func toMoney(amount int64, currency string) (booking.Money, error) {
	if _, err := payment.Exponent(currency); err != nil {
		return booking.Money{}, err
	}
	if amount < 0 || amount > maxMinor {
		return booking.Money{}, fmt.Errorf("imoje: amount %d out of range: %w", amount, booking.ErrInvalid)
	}
	return payment.FromMinorUnits(amount, currency), nil
}

// toMinor converts a positive booking.Money into minor units; anything finer than a
// minor unit is an error, never rounded.
func toMinor(m booking.Money) (int64, error) {
	if m.Micros <= 0 {
		return 0, fmt.Errorf("imoje: amount %s must be positive: %w", m, booking.ErrInvalid)
	}
	return payment.ToMinorUnits(m)
}
