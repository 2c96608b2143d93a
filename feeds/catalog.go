package feeds

import acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"

// Catalog answers the cross-feed questions of validation: does a service's
// merchant exist, which payment options does it define, does a slot's service
// exist and in which currency is it priced. The store implements it over what is
// already loaded plus what arrives in the same load; NewCatalog covers feeds held
// in memory. A nil Catalog skips the cross-feed checks.
type Catalog interface {
	// Merchant returns the merchant with id, if known.
	Merchant(id string) (*acv3.Merchant, bool)
	// Service returns the service of merchantID with serviceID, if known.
	Service(merchantID, serviceID string) (*acv3.Service, bool)
}

// NewCatalog returns a Catalog over a merchant feed and a service feed; either may
// be nil. Of duplicate ids the first wins, as in the validation's "duplicate of"
// problems. The feeds must not change while the Catalog is in use.
func NewCatalog(merchants *acv3.MerchantFeed, services *acv3.ServiceFeed) Catalog {
	c := feedCatalog{merchants: map[string]*acv3.Merchant{}, services: map[serviceRef]*acv3.Service{}}
	for _, m := range merchants.GetMerchant() {
		if _, dup := c.merchants[m.GetMerchantId()]; !dup {
			c.merchants[m.GetMerchantId()] = m
		}
	}
	for _, s := range services.GetService() {
		ref := serviceRef{s.GetMerchantId(), s.GetServiceId()}
		if _, dup := c.services[ref]; !dup {
			c.services[ref] = s
		}
	}
	return c
}

// serviceRef identifies a service: service ids are unique within a merchant only.
type serviceRef struct{ merchant, service string }

// feedCatalog is the Catalog of NewCatalog.
type feedCatalog struct {
	merchants map[string]*acv3.Merchant
	services  map[serviceRef]*acv3.Service
}

// Merchant implements Catalog.
func (c feedCatalog) Merchant(id string) (*acv3.Merchant, bool) {
	m, ok := c.merchants[id]
	return m, ok
}

// Service implements Catalog.
func (c feedCatalog) Service(merchantID, serviceID string) (*acv3.Service, bool) {
	s, ok := c.services[serviceRef{merchantID, serviceID}]
	return s, ok
}
