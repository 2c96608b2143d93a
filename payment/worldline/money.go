package worldline

import (
	"fmt"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment"
)

// amountOfMoney is Worldline's money object: integer minor units and an ISO 4217 code.
type amountOfMoney struct {
	Amount       int64  `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

// maxMinor bounds amounts read from Worldline so conversion to micros cannot overflow.
const maxMinor = 1_000_000_000_000

func (a *amountOfMoney) money() (booking.Money, error) {
	if a == nil {
		return booking.Money{}, fmt.Errorf("worldline: missing amountOfMoney: %w", booking.ErrInvalid)
	}
	if _, err := payment.Exponent(a.CurrencyCode); err != nil {
		return booking.Money{}, err
	}
	if a.Amount < 0 || a.Amount > maxMinor {
		return booking.Money{}, fmt.Errorf("worldline: amount %d out of range: %w", a.Amount, booking.ErrInvalid)
	}
	return payment.FromMinorUnits(a.Amount, a.CurrencyCode), nil
}

func toAmount(m booking.Money) (amountOfMoney, error) {
	if m.Micros <= 0 {
		return amountOfMoney{}, fmt.Errorf("worldline: amount %s must be positive: %w", m, booking.ErrInvalid)
	}
	minor, err := payment.ToMinorUnits(m)
	if err != nil {
		return amountOfMoney{}, err
	}
	return amountOfMoney{Amount: minor, CurrencyCode: strings.ToUpper(m.Currency)}, nil
}
