package feeds

import (
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// OnlyMerchant checks that a parsed feed (*acv3.MerchantFeed, *acv3.ServiceFeed or
// *acv3.AvailabilityFeed) touches merchantID's records only: every record's
// merchant_id and every merchant_id_restrict is merchantID, and no restrict range
// leaves the merchant open (a complete feed replaces the merchants it covers). It is
// how a feed uploaded with one merchant's key is kept from another merchant's
// inventory; the problems name each record and field, like validation problems.
func OnlyMerchant(feed any, merchantID string) error {
	var ps problems
	other := func(record fmt.Stringer, field, got string) {
		ps.add(record, field, "%q is not the merchant of this key (%q)", got, merchantID)
	}
	switch f := feed.(type) {
	case *acv3.MerchantFeed:
		ps.feed = "merchant"
		for i, m := range f.GetMerchant() {
			if m.GetMerchantId() != merchantID {
				other(label(fmt.Sprintf("merchant[%d]", i)), "merchant_id", m.GetMerchantId())
			}
		}
	case *acv3.ServiceFeed:
		ps.feed = "service"
		for i, s := range f.GetService() {
			if s.GetMerchantId() != merchantID {
				other(label(fmt.Sprintf("service[%d] service_id=%q", i, s.GetServiceId())), "merchant_id", s.GetMerchantId())
			}
		}
	case *acv3.AvailabilityFeed:
		ps.feed = "availability"
		for i, sa := range f.GetServiceAvailability() {
			if m := sa.GetMerchantIdRestrict(); m != "" && m != merchantID {
				other(label(fmt.Sprintf("service_availability[%d]", i)), "merchant_id_restrict", m)
			}
			for j, a := range sa.GetAvailability() {
				if a.GetMerchantId() != merchantID {
					other(label(fmt.Sprintf("service_availability[%d].availability[%d] service_id=%q", i, j, a.GetServiceId())), "merchant_id", a.GetMerchantId())
				}
			}
		}
	default:
		return fmt.Errorf("feeds: OnlyMerchant of a %T", feed)
	}
	return ps.result()
}
