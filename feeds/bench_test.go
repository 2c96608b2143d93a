package feeds_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// availabilityJSON generates an availability feed of n explicit slots shaped like
// a real one: ids, start, duration, spots, resources, some with a deposit.
func availabilityJSON(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","shard_number":0,"total_shards":1,"generation_timestamp":1795392000},"service_availability":[{"availability":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"merchant_id":"merchant-%d","service_id":"service-%d","start_sec":"%d","duration_sec":"1800","spots_total":"2","spots_open":"1","resources":{"staff_id":"staff-%d","party_size":2}`,
			i%100, i%7, 1795420800+int64(i/700)*1800, i%5)
		if i%10 == 0 {
			b.WriteString(`,"deposit":{"deposit":{"price_micros":"25000000","currency_code":"USD"},"deposit_type":"FIXED_RATE_DEFAULT"}`)
		}
		b.WriteString("}")
	}
	b.WriteString("]}]}")
	return []byte(b.String())
}

func BenchmarkParseAvailabilityFeed(b *testing.B) {
	const slots = 100_000
	data := availabilityJSON(slots)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		feed, err := feeds.ParseAvailabilityFeed(data)
		if err != nil || len(feed.GetServiceAvailability()[0].GetAvailability()) != slots {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/slots, "ns/slot")
}

func BenchmarkValidateAvailabilityFeed(b *testing.B) {
	const slots = 100_000
	feed, err := feeds.ParseAvailabilityFeed(availabilityJSON(slots))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := feeds.ValidateAvailabilityFeed(feed, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/slots, "ns/slot")
}

// BenchmarkExpand expands a working day of 30-minute slots, 09:00 to 17:30, with a
// lunch exception: 17 starts, 15 slots.
func BenchmarkExpand(b *testing.B) {
	a := &acv3.Availability{MerchantId: "merchant-1", ServiceId: "service-1-a", StartSec: 1795420800, DurationSec: 1800,
		Resources:         &acv3.Resources{StaffId: "staff-1"},
		Recurrence:        &acv3.Availability_Recurrence{RepeatUntilSec: 1795420800 + 16*1800, RepeatEverySec: 1800},
		ScheduleException: []*acv3.Availability_ScheduleException{exception(1795420800+6*1800, 1795420800+8*1800)}}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		if err := feeds.Expand(a, func(*acv3.Availability) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	if n != 15*b.N {
		b.Fatalf("%d slots in %d runs", n, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/slot")
}
