package storetest

import (
	"testing"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
)

// Fixture slot times (Unix seconds, all in 2030 so they stay in the future).
const (
	// SlotOneSpot is 2030-01-01T10:00Z: one spot of service "haircut".
	SlotOneSpot int64 = 1893492000
	// SlotFiveSpots is 2030-01-01T11:00Z: five spots of service "haircut".
	SlotFiveSpots int64 = 1893495600
	// SlotOther is 2030-01-01T12:00Z: two spots of service "haircut".
	SlotOther int64 = 1893499200
	// SlotDuration is every fixture slot's duration.
	SlotDuration int64 = 1800
)

const fixtureMerchants = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},
 "merchant":[{"merchant_id":"m1","name":"Salon One"}]}`

const fixtureServices = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},
 "service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut",
   "price":{"price_micros":"15000000","currency_code":"USD"},
   "rules":{"min_advance_online_canceling":"3600","min_advance_booking":"600"}}]}`

const fixtureAvailability = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},
 "service_availability":[{"availability":[
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893492000","duration_sec":"1800","spots_total":"1","spots_open":"1"},
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893495600","duration_sec":"1800","spots_total":"5","spots_open":"5"},
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893499200","duration_sec":"1800","spots_total":"2","spots_open":"2"}]}]}`

// LoadFixture loads one merchant "m1" with service "haircut" (15 USD, pay on arrival,
// online cancel until 1 h before, bookable until 10 min before) and three slots.
func LoadFixture(t testing.TB, s store.Backend) {
	t.Helper()
	for _, f := range []struct {
		kind bsv1.FeedKind
		data string
	}{
		{bsv1.FeedKind_FEED_KIND_MERCHANT, fixtureMerchants},
		{bsv1.FeedKind_FEED_KIND_SERVICE, fixtureServices},
		{bsv1.FeedKind_FEED_KIND_AVAILABILITY, fixtureAvailability},
	} {
		if _, err := s.LoadFeed(t.Context(), f.kind, []byte(f.data)); err != nil {
			t.Fatalf("load fixture: %v", err)
		}
	}
}
