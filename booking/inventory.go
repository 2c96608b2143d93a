package booking

import (
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// InventoryUpdate is one pending merchant or service RTU with the state to send, read
// when the call is built: Merchant (a merchant's record) or Service (a service's) as
// loaded now, nil when a feed removed it and Google must delete it.
type InventoryUpdate struct {
	Record   *bsv1.InventoryRecord
	Merchant *acv3.Merchant
	Service  *acv3.Service
}

// IsService reports whether the update is of a service (else of a merchant).
func (u InventoryUpdate) IsService() bool { return u.Record.GetServiceId() != "" }

// Gone reports whether the merchant or service no longer exists here.
func (u InventoryUpdate) Gone() bool {
	if u.IsService() {
		return u.Service == nil
	}
	return u.Merchant == nil
}
