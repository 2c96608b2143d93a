// Package currency knows the ISO 4217 minor units, which both the booking core (tax
// rounding) and the payment processors (amounts in minor units) need; it depends on
// nothing so that both can import it.
package currency

import "strings"

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

// Exponent returns the ISO 4217 minor-unit exponent of code (2 for USD, 0 for JPY, 3
// for KWD), matched without regard to case, and false when code is not three ASCII
// letters.
func Exponent(code string) (int, bool) {
	if len(code) != 3 {
		return 0, false
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return 0, false
		}
	}
	if e, ok := exponents[strings.ToUpper(code)]; ok {
		return e, true
	}
	return 2, true
}

// MicrosPerMinor is how many micros (millionths of the main unit) one minor unit of a
// currency with exponent e is: 10,000 for USD, 1,000,000 for JPY.
func MicrosPerMinor(e int) int64 {
	f := int64(1_000_000)
	for range e {
		f /= 10
	}
	return f
}
