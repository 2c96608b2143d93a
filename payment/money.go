package payment

import (
	"fmt"
	"math"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
)

// microsPerUnit is booking.Money's scale: micros of the currency's main unit.
const microsPerUnit = 1_000_000

// exponents lists the ISO 4217 currencies whose minor unit is not a hundredth. Every
// other currency has exponent 2. Processors that deviate from ISO (Stripe takes ISK
// with two decimals, for one) adjust on their side.
var exponents = map[string]int{
	// Exponent 0: the main unit is the smallest.
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
	"XPF": 0,
	// Exponent 3: thousandths.
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	// Exponent 4: units of account.
	"CLF": 4, "UYW": 4,
}

// Exponent returns the ISO 4217 minor-unit exponent of currency (2 for USD, 0 for JPY,
// 3 for KWD). The code is matched without regard to case; anything that is not three
// ASCII letters is an error wrapping booking.ErrInvalid.
func Exponent(currency string) (int, error) {
	if len(currency) != 3 {
		return 0, fmt.Errorf("payment: currency %q is not a three-letter ISO 4217 code: %w", currency, booking.ErrInvalid)
	}
	for _, r := range currency {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return 0, fmt.Errorf("payment: currency %q is not a three-letter ISO 4217 code: %w", currency, booking.ErrInvalid)
		}
	}
	if e, ok := exponents[strings.ToUpper(currency)]; ok {
		return e, nil
	}
	return 2, nil
}

// microsPerMinor is how many micros one minor unit of a currency with exponent e is.
func microsPerMinor(e int) int64 {
	f := int64(microsPerUnit)
	for range e {
		f /= 10
	}
	return f
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
	f := microsPerMinor(e)
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
func FromMinorUnits(amount int64, currency string) booking.Money {
	e, err := Exponent(currency)
	if err != nil {
		panic(err)
	}
	f := microsPerMinor(e)
	if amount > math.MaxInt64/f || amount < math.MinInt64/f {
		panic(fmt.Sprintf("payment: %d minor units of %s overflow int64 micros", amount, currency))
	}
	return booking.Money{Micros: amount * f, Currency: strings.ToUpper(currency)}
}
