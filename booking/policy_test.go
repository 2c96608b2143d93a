package booking_test

import (
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

func usd(micros int64) *acv3.Price { return &acv3.Price{PriceMicros: micros, CurrencyCode: "USD"} }

// TestResolvePolicy walks every row of seed 001's override table ("Remplacement des prix
// au niveau de la disponibilité") plus the party-size rules.
func TestResolvePolicy(t *testing.T) {
	t.Parallel()
	merchant := &acv3.Merchant{MerchantId: "merchant-1", PaymentOption: []*acv3.PaymentOption{
		{PaymentOptionId: "tuesday", Price: usd(12_000_000)},
	}}
	base := func() *acv3.Service {
		return &acv3.Service{MerchantId: "merchant-1", ServiceId: "s", Price: usd(200_000_000)}
	}
	deposit := &acv3.Deposit{Deposit: usd(25_000_000), MinAdvanceCancellationSec: 14400}
	tests := []struct {
		name  string
		svc   func(*acv3.Service)
		slot  *acv3.Availability
		party int32
		want  booking.Policy
	}{
		{name: "pay on arrival: service price",
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}}},
		{name: "pay on arrival: price overridden by payment option",
			slot: &acv3.Availability{PaymentOptionId: []string{"tuesday"}},
			want: booking.Policy{Price: booking.Money{Micros: 12_000_000, Currency: "USD"}, PaymentOptionID: "tuesday"}},
		{name: "prepayment: service price",
			svc:  func(s *acv3.Service) { s.PrepaymentType = acv3.PrepaymentType_REQUIRED },
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}, Prepay: true}},
		{name: "prepayment: price overridden by payment option",
			svc:  func(s *acv3.Service) { s.PrepaymentType = acv3.PrepaymentType_REQUIRED },
			slot: &acv3.Availability{PaymentOptionId: []string{"tuesday"}},
			want: booking.Policy{Price: booking.Money{Micros: 12_000_000, Currency: "USD"}, PaymentOptionID: "tuesday", Prepay: true}},
		{name: "no-show fee: service level",
			svc:  func(s *acv3.Service) { s.NoShowFee = &acv3.NoShowFee{Fee: usd(25_000_000)} },
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}, NoShowFee: booking.Money{Micros: 25_000_000, Currency: "USD"}}},
		{name: "no-show fee: slot override, per person",
			svc:   func(s *acv3.Service) { s.NoShowFee = &acv3.NoShowFee{Fee: usd(25_000_000)} },
			slot:  &acv3.Availability{NoShowFee: &acv3.NoShowFee{Fee: usd(10_000_000), FeeType: acv3.PriceType_PER_PERSON}},
			party: 3,
			want:  booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}, NoShowFee: booking.Money{Micros: 30_000_000, Currency: "USD"}}},
		{name: "deposit: service level",
			svc:  func(s *acv3.Service) { s.Deposit = deposit },
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}, Deposit: booking.Money{Micros: 25_000_000, Currency: "USD"}, DepositRefundableSec: 14400}},
		{name: "deposit: slot override",
			svc:  func(s *acv3.Service) { s.Deposit = deposit },
			slot: &acv3.Availability{Deposit: &acv3.Deposit{Deposit: usd(50_000_000), MinAdvanceCancellationSec: 3600}},
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}, Deposit: booking.Money{Micros: 50_000_000, Currency: "USD"}, DepositRefundableSec: 3600}},
		{name: "credit card required: service level",
			svc:  func(s *acv3.Service) { s.RequireCreditCard = acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS },
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}, RequireCard: true}},
		{name: "credit card required: slot turns it off",
			svc:  func(s *acv3.Service) { s.RequireCreditCard = acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS },
			slot: &acv3.Availability{RequireCreditCard: acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_CONDITIONAL},
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}}},
		{name: "credit card required: slot turns it on",
			slot: &acv3.Availability{RequireCreditCard: acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS},
			want: booking.Policy{Price: booking.Money{Micros: 200_000_000, Currency: "USD"}, RequireCard: true}},
		{name: "slot prepayment, per person",
			slot:  &acv3.Availability{Prepayment: &acv3.Prepayment{PriceInfo: &acv3.PriceInfo{Price: usd(40_000_000), PriceType: acv3.PriceType_PER_PERSON}}},
			party: 2,
			want:  booking.Policy{Price: booking.Money{Micros: 80_000_000, Currency: "USD"}, Prepay: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := base()
			if tt.svc != nil {
				tt.svc(svc)
			}
			got, err := booking.ResolvePolicy(merchant, svc, tt.slot, tt.party)
			if err != nil {
				t.Fatal(err)
			}
			got.Feed = booking.PolicyFeed{}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, err := booking.ResolvePolicy(merchant, base(), &acv3.Availability{PaymentOptionId: []string{"nope"}}, 0); err == nil {
		t.Error("unknown payment option: want an error")
	}
}
