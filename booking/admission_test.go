package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestTimeFlexibleAdmission: with admission_policy TIME_FLEXIBLE and
// min_booking_buffer_before_end_time, a slot is bookable after its start until end −
// buffer, in CreateBooking and in availability lookups alike.
func TestTimeFlexibleAdmission(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		meta := `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},`
		for _, f := range []struct {
			kind bsv1.FeedKind
			data string
		}{
			{bsv1.FeedKind_FEED_KIND_MERCHANT, meta + `"merchant":[{"merchant_id":"m1","name":"Museum"}]}`},
			{bsv1.FeedKind_FEED_KIND_SERVICE, meta + `"service":[{"merchant_id":"m1","service_id":"visit","name":"Visit","price":{"price_micros":"1000000","currency_code":"USD"},
			"rules":{"admission_policy":"TIME_FLEXIBLE","min_booking_buffer_before_end_time":"1800"}}]}`},
			{bsv1.FeedKind_FEED_KIND_AVAILABILITY, meta + `"service_availability":[{"availability":[{"merchant_id":"m1","service_id":"visit","start_sec":"1893492000","duration_sec":"7200","spots_total":"9","spots_open":"9"}]}]}`},
		} {
			if _, err := st.LoadFeed(context.Background(), f.kind, []byte(f.data)); err != nil {
				t.Fatal(err)
			}
		}
		c := &clock{}
		core, err := booking.New(booking.Config{Store: st, Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		slot := &acv3.Slot{MerchantId: "m1", ServiceId: "visit", StartSec: 1893492000, DurationSec: 7200}
		for i, tt := range []struct {
			at   int64
			want bool
		}{
			{1893492000 + 3600, true},         // an hour after the start
			{1893492000 + 7200 - 1801, true},  // just before end − buffer
			{1893492000 + 7200 - 1800, false}, // end − buffer
		} {
			c.Set(time.Unix(tt.at, 0))
			resp, err := core.Create(t.Context(), &acv3.CreateBookingRequest{Slot: slot, IdempotencyToken: string(rune('a' + i)),
				UserInformation: &acv3.UserInformation{UserId: string(rune('a' + i))}})
			if err != nil || (resp.GetBooking() != nil) != tt.want {
				t.Errorf("at start+%d: %v %v, want booked=%v", tt.at-1893492000, resp, err, tt.want)
			}
			look, err := core.BatchAvailability(t.Context(), &acv3.BatchAvailabilityLookupRequest{MerchantId: "m1",
				SlotTime: []*acv3.SlotTime{{ServiceId: "visit", StartSec: slot.StartSec, DurationSec: slot.DurationSec}}})
			if err != nil || look.GetSlotTimeAvailability()[0].GetAvailable() != tt.want {
				t.Errorf("lookup at start+%d: %v %v, want %v", tt.at-1893492000, look, err, tt.want)
			}
		}
	})
}
