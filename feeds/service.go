package feeds

import (
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// ValidateServiceFeed checks a service feed: metadata; ids present and unique per
// merchant; the price (needed when prepayment is REQUIRED), deposit and no-show fee
// (currencies, signs, a deposit no larger than the price); the scheduling rules;
// and, through catalog, that the merchant exists and defines every
// payment_option_id. A nil catalog skips the last two. It returns nil or a
// *ValidationError.
func ValidateServiceFeed(feed *acv3.ServiceFeed, catalog Catalog) error {
	ps := &problems{feed: kindService}
	checkMetadata(ps, feed.GetMetadata())
	seen := make(map[serviceRef]int, len(feed.GetService()))
	for i, s := range feed.GetService() {
		record := serviceRecord{i, s}
		ref := serviceRef{s.GetMerchantId(), s.GetServiceId()}
		if ref.merchant == "" {
			ps.add(record, "merchant_id", "missing")
		}
		if ref.service == "" {
			ps.add(record, "service_id", "missing")
		}
		if first, dup := seen[ref]; dup {
			ps.add(record, "service_id", "duplicate of service[%d]", first)
		} else {
			seen[ref] = i
		}
		var merchant *acv3.Merchant
		if catalog != nil && ref.merchant != "" {
			m, ok := catalog.Merchant(ref.merchant)
			if !ok {
				ps.add(record, "merchant_id", "unknown merchant %q", ref.merchant)
			}
			merchant = m
		}
		checkService(ps, record, s, merchant)
	}
	return ps.result()
}

// checkService checks the payment and rule fields of one service.
func checkService(ps *problems, record fmt.Stringer, s *acv3.Service, merchant *acv3.Merchant) {
	price := s.GetPrice()
	if price != nil {
		checkPrice(ps, record, "price", price)
	} else if s.GetPrepaymentType() == acv3.PrepaymentType_REQUIRED {
		ps.add(record, "price", "missing; prepayment_type REQUIRED charges the price")
	}
	checkCharges(ps, record, s.GetDeposit(), s.GetNoShowFee(), price)
	checkPaymentOptionIDs(ps, record, s.GetPaymentOptionId(), merchant)
	rules := s.GetRules()
	for _, r := range []struct {
		field string
		sec   int64
	}{
		{"rules.min_advance_online_canceling", rules.GetMinAdvanceOnlineCanceling()},
		{"rules.min_advance_booking", rules.GetMinAdvanceBooking()},
		{"rules.min_booking_buffer_before_end_time", rules.GetMinBookingBufferBeforeEndTime()},
	} {
		if r.sec < 0 {
			ps.add(record, r.field, "is negative (%d s)", r.sec)
		}
	}
}

// serviceRecord is service i of a service feed.
type serviceRecord struct {
	i int
	s *acv3.Service
}

// String names the service by position and ids.
func (r serviceRecord) String() string {
	return fmt.Sprintf("service[%d] merchant_id=%q service_id=%q", r.i, r.s.GetMerchantId(), r.s.GetServiceId())
}
