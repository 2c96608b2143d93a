package payment

import (
	"fmt"
	"math"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/currency"
)

// Exponent returns the ISO 4217 minor-unit exponent of currency (2 for USD, 0 for JPY,
// 3 for KWD). The code is matched without regard to case; anything that is not three
// ASCII letters is an error wrapping booking.ErrInvalid.
func Exponent(code string) (int, error) {
	e, ok := currency.Exponent(code)
	if !ok {
		return 0, fmt.Errorf("payment: currency %q is not a three-letter ISO 4217 code: %w", code, booking.ErrInvalid)
	}
	return e, nil
}

// ToMinorUnits converts m into integer minor units of its currency (USD 15.00 → 1500,
// JPY 1500 → 1500, KWD 1.5 → 1500). An amount that is not a whole number of minor units
// (USD 0.001) is an error wrapping booking.ErrInvalid, never rounded: a processor must
// take exactly the price.
func ToMinorUnits(m booking.Money) (int64, error) {
	e, err := Exponent(m.Currency)
	if err != nil {
		return 0, err
	}
	f := currency.MicrosPerMinor(e)
	if m.Micros%f != 0 {
		return 0, fmt.Errorf("payment: %s is not a whole number of minor units (10^-%d): %w", m, e, booking.ErrInvalid)
	}
	return m.Micros / f, nil
}

// FromMinorUnits converts an amount in minor units of currency, as a processor reports
// it, into Money; the currency code is upper-cased (Stripe answers "usd"). Minor units
// always fit micros exactly, so nothing rounds. It panics when the currency code is
// malformed or the amount overflows int64 micros (above 9.2 trillion minor units):
// callers pass amounts and codes that they sent or bounded themselves.
func FromMinorUnits(amount int64, code string) booking.Money {
	e, err := Exponent(code)
	if err != nil {
		panic(err)
	}
	f := currency.MicrosPerMinor(e)
	if amount > math.MaxInt64/f || amount < math.MinInt64/f {
		panic(fmt.Sprintf("payment: %d minor units of %s overflow int64 micros", amount, code))
	}
	return booking.Money{Micros: amount * f, Currency: strings.ToUpper(code)}
}
