package booking

import (
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Policy is the effective payment policy of one booking: the service's payment
// configuration overridden by the slot's, as seed 001's override table says:
//
//	pay on arrival / prepayment  Service.price            ← Availability.payment_option_id → Merchant.payment_option.price
//	prepayment (newer)           Service.prepayment_type  ← Availability.prepayment (price_info)
//	no-show fee                  Service.no_show_fee      ← Availability.no_show_fee
//	deposit                      Service.deposit          ← Availability.deposit
//	credit card required         Service.require_credit_card ← Availability.require_credit_card
//
// Amounts are already multiplied by the party size where their PriceType is PER_PERSON.
type Policy struct {
	// Price is what the booking costs.
	Price Money
	// PaymentOptionID names the Merchant.payment_option that set the price, if any.
	PaymentOptionID string
	// Taxed: a tax rate applies (TaxRate of the payment option, service or merchant);
	// Tax is then the tax on Price, answered in payment_information.tax_amount.
	Taxed bool
	Tax   Money
	// Prepay: the price plus its tax is charged at booking.
	Prepay bool
	// Deposit is charged at booking (zero Money: none); refundable until
	// DepositRefundableSec before the start.
	Deposit              Money
	DepositRefundableSec int64
	// NoShowFee may be charged later with the saved card (zero Money: none).
	NoShowFee Money
	// RequireCard: a card is saved (never charged) even when nothing else needs it.
	RequireCard bool
	// Feed keeps the feed's messages for payment_information.
	Feed PolicyFeed
}

// PolicyFeed is the feed's own description of the fees, echoed in payment_information.
type PolicyFeed struct {
	Deposit   *acv3.Deposit
	NoShowFee *acv3.NoShowFee
}

// NeedsCard reports whether the booking needs a payment token.
func (p Policy) NeedsCard() bool {
	return p.Prepay || p.Deposit.Micros > 0 || p.NoShowFee.Micros > 0 || p.RequireCard
}

// SavesCard reports whether the token is upgraded into a reusable card: for a later
// no-show fee, or because the merchant requires a card.
func (p Policy) SavesCard() bool {
	return p.NoShowFee.Micros > 0 || p.RequireCard
}

// ChargeNow is what is charged at booking: the price plus tax when prepaid, else the
// deposit.
func (p Policy) ChargeNow() Money {
	if p.Prepay {
		return Money{Micros: p.Price.Micros + p.Tax.Micros, Currency: p.Price.Currency}
	}
	return p.Deposit
}

func money(p *acv3.Price) Money {
	return Money{Micros: p.GetPriceMicros(), Currency: p.GetCurrencyCode()}
}

// perParty multiplies an amount by the party size when its type is PER_PERSON.
func perParty(m Money, t acv3.PriceType, party int32) Money {
	if t == acv3.PriceType_PER_PERSON && party > 1 {
		m.Micros *= int64(party)
	}
	return m
}

// ResolvePolicy works out the effective policy of slot a of service s at merchant m for
// a party of party people (0 means 1). A slot naming a payment option the merchant does
// not define is an error (feed validation refuses such feeds).
func ResolvePolicy(m *acv3.Merchant, s *acv3.Service, a *acv3.Availability, party int32) (Policy, error) {
	p := Policy{
		Price:       money(s.GetPrice()),
		Prepay:      s.GetPrepaymentType() == acv3.PrepaymentType_REQUIRED,
		RequireCard: s.GetRequireCreditCard() == acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS,
		Feed:        PolicyFeed{Deposit: s.GetDeposit(), NoShowFee: s.GetNoShowFee()},
	}
	var opt *acv3.PaymentOption
	if ids := a.GetPaymentOptionId(); len(ids) > 0 {
		opt = findPaymentOption(m, ids[0])
		if opt == nil {
			return Policy{}, fmt.Errorf("slot names payment_option_id %q that merchant %q does not define", ids[0], m.GetMerchantId())
		}
		p.Price, p.PaymentOptionID = money(opt.GetPrice()), ids[0]
	}
	if pp := a.GetPrepayment().GetPriceInfo(); pp != nil {
		p.Prepay = true
		p.Price = perParty(money(pp.GetPrice()), pp.GetPriceType(), party)
	}
	if a.GetDeposit() != nil {
		p.Feed.Deposit = a.GetDeposit()
	}
	if a.GetNoShowFee() != nil {
		p.Feed.NoShowFee = a.GetNoShowFee()
	}
	if rc := a.GetRequireCreditCard(); rc != acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_UNSPECIFIED {
		p.RequireCard = rc == acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS
	}
	if d := p.Feed.Deposit; d != nil {
		p.Deposit = perParty(money(d.GetDeposit()), d.GetDepositType(), party)
		p.DepositRefundableSec = d.GetMinAdvanceCancellationSec()
	}
	if f := p.Feed.NoShowFee; f != nil {
		p.NoShowFee = perParty(money(f.GetFee()), f.GetFeeType(), party)
	}
	if rate, ok := taxRate(m, s, opt); ok {
		p.Taxed, p.Tax = true, taxOn(p.Price, rate)
	}
	return p, nil
}

func findPaymentOption(m *acv3.Merchant, id string) *acv3.PaymentOption {
	for _, o := range m.GetPaymentOption() {
		if o.GetPaymentOptionId() == id {
			return o
		}
	}
	return nil
}
