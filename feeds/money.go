package feeds

import (
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// checkPrice checks a Price at field: an ISO 4217 currency and no negative amount.
func checkPrice(ps *problems, record fmt.Stringer, field string, p *acv3.Price) {
	switch c := p.GetCurrencyCode(); {
	case c == "":
		ps.add(record, field+".currency_code", "missing")
	case !isCurrencyCode(c):
		ps.add(record, field+".currency_code", "%q is not an ISO 4217 code (three upper-case letters)", c)
	}
	if p.GetPriceMicros() < 0 {
		ps.add(record, field+".price_micros", "is negative (%d)", p.GetPriceMicros())
	}
}

// isCurrencyCode reports whether c looks like an ISO 4217 code such as "USD".
func isCurrencyCode(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := range len(c) {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// checkCharges checks a deposit and a no-show fee, on a service or overriding it on
// a slot, against the service's price: they are charged in the price's currency,
// and a deposit is part of the price, so it cannot exceed it. price may be nil
// when the service is unknown or free of charge; a malformed price, reported on
// its own, is not compared with.
func checkCharges(ps *problems, record fmt.Stringer, deposit *acv3.Deposit, fee *acv3.NoShowFee, price *acv3.Price) {
	if !isCurrencyCode(price.GetCurrencyCode()) || price.GetPriceMicros() < 0 {
		price = nil
	}
	if deposit != nil {
		d := deposit.GetDeposit()
		if d == nil {
			ps.add(record, "deposit.deposit", "missing")
		} else {
			checkPrice(ps, record, "deposit.deposit", d)
			checkSameCurrency(ps, record, "deposit.deposit.currency_code", d, price)
			if d.GetCurrencyCode() == price.GetCurrencyCode() && d.GetPriceMicros() > price.GetPriceMicros() && price != nil {
				ps.add(record, "deposit.deposit.price_micros", "deposit %d is larger than the price %d",
					d.GetPriceMicros(), price.GetPriceMicros())
			}
		}
		if deposit.GetMinAdvanceCancellationSec() < 0 {
			ps.add(record, "deposit.min_advance_cancellation_sec", "is negative (%d)", deposit.GetMinAdvanceCancellationSec())
		}
	}
	if fee != nil {
		f := fee.GetFee()
		if f == nil {
			ps.add(record, "no_show_fee.fee", "missing")
			return
		}
		checkPrice(ps, record, "no_show_fee.fee", f)
		checkSameCurrency(ps, record, "no_show_fee.fee.currency_code", f, price)
	}
}

// checkSameCurrency reports a charge in another currency than the price.
func checkSameCurrency(ps *problems, record fmt.Stringer, field string, charge, price *acv3.Price) {
	if price == nil || !isCurrencyCode(charge.GetCurrencyCode()) {
		return
	}
	if charge.GetCurrencyCode() != price.GetCurrencyCode() {
		ps.add(record, field, "%s differs from the service price's currency %s",
			charge.GetCurrencyCode(), price.GetCurrencyCode())
	}
}

// checkPaymentOptionIDs reports ids that the merchant does not define in
// Merchant.payment_option. merchant nil means unknown: nothing to compare with.
func checkPaymentOptionIDs(ps *problems, record fmt.Stringer, ids []string, merchant *acv3.Merchant) {
	if merchant == nil {
		return
	}
	for i, id := range ids {
		if !hasPaymentOption(merchant, id) {
			ps.add(record, fieldIndex("payment_option_id", i), "%q is not a payment_option of merchant %q",
				id, merchant.GetMerchantId())
		}
	}
}

// hasPaymentOption reports whether merchant defines the payment option id.
func hasPaymentOption(merchant *acv3.Merchant, id string) bool {
	for _, o := range merchant.GetPaymentOption() {
		if o.GetPaymentOptionId() == id {
			return true
		}
	}
	return false
}
