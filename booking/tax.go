package booking

import (
	"math/big"

	"github.com/bookingserver/bookingserver/currency"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Seed 001: "if a tax rate is specified in the feed or the request, it must also be
// included exactly", and Google's TaxRate: the user is charged the price plus tax.

// microPercentPerUnit is TaxRate.micro_percent's scale: 1,000,000 is 1 %, so a rate of
// r micro percent is the fraction r / 100,000,000.
const microPercentPerUnit = 100_000_000

// basisPointMicroPercent converts the deprecated Merchant.tax_rate_basis_points (one
// basis point is 0.01 %) into micro percent.
const basisPointMicroPercent = 10_000

// taxRate resolves the rate of a booking: the payment option that set the price, else
// the service, else the merchant (tax_rate, else the deprecated basis points). A
// TaxRate message that is present counts even with 0 (an explicit 0 % overrides the
// merchant's rate). ok is false when nothing names a rate.
func taxRate(m *acv3.Merchant, s *acv3.Service, opt *acv3.PaymentOption) (microPercent int32, ok bool) {
	for _, r := range []*acv3.TaxRate{opt.GetTaxRate(), s.GetTaxRate(), m.GetTaxRate()} {
		if r != nil {
			return r.GetMicroPercent(), true
		}
	}
	if bp := m.GetTaxRateBasisPoints(); bp > 0 {
		return int32(bp) * basisPointMicroPercent, true
	}
	return 0, false
}

// taxOn is the tax on price at microPercent, rounded half up to the currency's minor
// unit (USD to the cent, JPY to the yen; a malformed code to the micro). It is exact
// for any int64 price: the product is taken in big integers.
func taxOn(price Money, microPercent int32) Money {
	unit := int64(1)
	if e, ok := currency.Exponent(price.Currency); ok {
		unit = currency.MicrosPerMinor(e)
	}
	// tax = round(price × rate / 1e8 / unit) × unit, half up.
	num := new(big.Int).Mul(big.NewInt(price.Micros), big.NewInt(int64(microPercent)))
	den := new(big.Int).Mul(big.NewInt(microPercentPerUnit), big.NewInt(unit))
	num.Add(num, new(big.Int).Rsh(den, 1))
	units := num.Div(num, den) // Euclidean: floors for the non-negative amounts of feeds
	return Money{Micros: units.Int64() * unit, Currency: price.Currency}
}
