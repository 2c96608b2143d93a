package conformance

import (
	"context"
	"fmt"
	"os"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Catalog is the partner's merchant and service feeds, which say what a slot costs
// and its tax rate (the availability feed alone does not).
type Catalog struct {
	Merchants map[string]*acv3.Merchant
	Services  map[[2]string]*acv3.Service // by merchant id, service id
}

// LoadCatalog reads a merchant feed and a service feed file.
func LoadCatalog(merchantsPath, servicesPath string) (*Catalog, error) {
	c := &Catalog{Merchants: map[string]*acv3.Merchant{}, Services: map[[2]string]*acv3.Service{}}
	data, err := os.ReadFile(merchantsPath)
	if err != nil {
		return nil, err
	}
	mf, err := feeds.ParseMerchantFeed(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", merchantsPath, err)
	}
	for _, m := range mf.GetMerchant() {
		c.Merchants[m.GetMerchantId()] = m
	}
	if data, err = os.ReadFile(servicesPath); err != nil {
		return nil, err
	}
	sf, err := feeds.ParseServiceFeed(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", servicesPath, err)
	}
	for _, s := range sf.GetService() {
		c.Services[[2]string{s.GetMerchantId(), s.GetServiceId()}] = s
	}
	return c, nil
}

// needPrepaid says why prepaid_tax cannot run: it needs the catalog and a
// prepaid booking.
func (r *runner) needPrepaid() string {
	if why := r.needBooking(); why != "" {
		return why
	}
	if len(r.prepaid()) == 0 {
		return "not run: no prepaid slot was booked"
	}
	return ""
}

// prepaid is the run's bookings of slots whose policy charges the price at booking,
// each with the policy the feeds give it.
func (r *runner) prepaid() map[*created]booking.Policy {
	out := map[*created]booking.Policy{}
	for _, c := range r.booked {
		m := r.cfg.Catalog.Merchants[c.slot.GetMerchantId()]
		s := r.cfg.Catalog.Services[[2]string{c.slot.GetMerchantId(), c.slot.GetServiceId()}]
		if m == nil || s == nil {
			continue
		}
		pol, err := booking.ResolvePolicy(m, s, c.slot, c.slot.GetResources().GetPartySize())
		if err == nil && pol.Prepay {
			out[c] = pol
		}
	}
	return out
}

// prepaidTax: each prepaid booking answers the price and the tax of its feeds exactly
// (seed 001: a tax rate in the feed "must also be included exactly"), the tax as the
// README's rounding rule gives it, and none where no rate is given.
func (r *runner) prepaidTax(context.Context) (string, error) {
	var problems []string
	taxed := 0
	for c, pol := range r.prepaid() {
		pi := c.resp.GetBooking().GetPaymentInformation()
		got := pi.GetTaxAmount()
		switch {
		case pi.GetPrice().GetPriceMicros() != pol.Price.Micros || pi.GetPrice().GetCurrencyCode() != pol.Price.Currency:
			problems = append(problems, fmt.Sprintf("booking %s: price %v, the feed's is %s", c.id, pi.GetPrice(), pol.Price))
		case !pol.Taxed && got != nil:
			problems = append(problems, fmt.Sprintf("booking %s: tax_amount %v where the feeds give no rate", c.id, got))
		case pol.Taxed && (got.GetPriceMicros() != pol.Tax.Micros || got.GetCurrencyCode() != pol.Tax.Currency):
			problems = append(problems, fmt.Sprintf("booking %s: tax_amount %v, want %s", c.id, got, pol.Tax))
		case pol.Taxed:
			taxed++
		}
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("prepaid bookings: %s", firstFew(problems))
	}
	return fmt.Sprintf("%d prepaid booking(s) answered their price, %d with the feed's tax", len(r.prepaid()), taxed), nil
}
