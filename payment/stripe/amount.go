package stripe

import (
	"fmt"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment"
)

// maxAmount bounds the amounts accepted from Stripe's answers (its own limit is eight
// digits), so that converting them to micros cannot overflow.
const maxAmount = 1_000_000_000_000

// stripeExponent is the number of decimals Stripe's API uses for currency, where it
// differs from ISO 4217: Stripe keeps ISK two-decimal (whole krónur only, so amounts
// are multiples of 100) and treats MGA as zero-decimal.
func stripeExponent(currency string) (int, error) {
	switch strings.ToUpper(currency) {
	case "ISK":
		return 2, nil
	case "MGA":
		return 0, nil
	}
	return payment.Exponent(currency)
}

// toStripe converts m into Stripe's amount and lower-case currency. It never rounds:
// an amount Stripe cannot take exactly is an error wrapping booking.ErrInvalid. Beyond
// ISO 4217 minor units, Stripe takes ISK in whole krónur and three-decimal currencies
// (KWD, BHD, …) in multiples of ten.
func toStripe(m booking.Money) (int64, string, error) {
	minor, err := payment.ToMinorUnits(m)
	if err != nil {
		return 0, "", err
	}
	if m.Micros <= 0 {
		return 0, "", fmt.Errorf("stripe: amount %s is not positive: %w", m, booking.ErrInvalid)
	}
	iso, _ := payment.Exponent(m.Currency)
	se, _ := stripeExponent(m.Currency)
	cur := strings.ToLower(m.Currency)
	switch {
	case se > iso: // ISK: whole units, written with two zero decimals
		for range se - iso {
			minor *= 10
		}
	case se < iso: // MGA: Stripe has no minor unit
		for range iso - se {
			if minor%10 != 0 {
				return 0, "", fmt.Errorf("stripe: %s takes whole units only, not %s: %w", m.Currency, m, booking.ErrInvalid)
			}
			minor /= 10
		}
	case se == 3 && minor%10 != 0:
		return 0, "", fmt.Errorf("stripe: %s amounts must end in 0 at Stripe, not %s: %w", m.Currency, m, booking.ErrInvalid)
	}
	return minor, cur, nil
}

// FromStripe converts an amount as Stripe writes it (in its answers and webhook events)
// into Money, with Stripe's own exponents (ISK in hundredths, MGA in units). Amounts
// out of range or a malformed currency are errors: the answer cannot be trusted.
func FromStripe(amount int64, currency string) (booking.Money, error) {
	e, err := stripeExponent(currency)
	if err != nil {
		return booking.Money{}, fmt.Errorf("stripe: answer has currency %q: %w", currency, err)
	}
	if amount < 0 || amount > maxAmount {
		return booking.Money{}, fmt.Errorf("stripe: answer has implausible amount %d %s", amount, currency)
	}
	micros := amount
	for range 6 - e {
		micros *= 10
	}
	return booking.Money{Micros: micros, Currency: strings.ToUpper(currency)}, nil
}
