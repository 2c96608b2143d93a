package feeds

import (
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// ValidateMerchantFeed checks a merchant feed on its own: metadata, ids (present
// and unique), names, and each payment option (id present and unique within the
// merchant, a well-formed price). It returns nil or a *ValidationError.
func ValidateMerchantFeed(feed *acv3.MerchantFeed) error {
	ps := &problems{feed: kindMerchant}
	checkMetadata(ps, feed.GetMetadata())
	seen := make(map[string]int, len(feed.GetMerchant()))
	for i, m := range feed.GetMerchant() {
		record := merchantRecord{i, m}
		switch id := m.GetMerchantId(); {
		case id == "":
			ps.add(record, "merchant_id", "missing")
		default:
			if first, dup := seen[id]; dup {
				ps.add(record, "merchant_id", "duplicate of merchant[%d]", first)
			} else {
				seen[id] = i
			}
		}
		if m.GetName() == "" {
			ps.add(record, "name", "missing; must match the Business Profile name")
		}
		checkPaymentOptions(ps, record, m.GetPaymentOption())
	}
	return ps.result()
}

// checkPaymentOptions checks a merchant's payment options.
func checkPaymentOptions(ps *problems, record fmt.Stringer, options []*acv3.PaymentOption) {
	seen := make(map[string]bool, len(options))
	for i, o := range options {
		field := fieldIndex("payment_option", i)
		switch id := o.GetPaymentOptionId(); {
		case id == "":
			ps.add(record, field+".payment_option_id", "missing")
		case seen[id]:
			ps.add(record, field+".payment_option_id", "duplicate %q", id)
		default:
			seen[id] = true
		}
		if o.GetPrice() != nil {
			checkPrice(ps, record, field+".price", o.GetPrice())
		}
	}
}

// merchantRecord is merchant i of a merchant feed.
type merchantRecord struct {
	i int
	m *acv3.Merchant
}

// String names the merchant by position and id.
func (r merchantRecord) String() string {
	return fmt.Sprintf("merchant[%d] merchant_id=%q", r.i, r.m.GetMerchantId())
}
