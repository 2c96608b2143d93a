package notifier

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestAvailabilityReplaceGolden: the availability:replace body for a booked-out slot,
// a slot with staff and a deposit, and an emptied window, in the v1alpha JSON
// (lowerCamelCase, RFC 3339 startTime, "1800s", int64 as strings, spotsOpen "0").
func TestAvailabilityReplaceGolden(t *testing.T) {
	t.Parallel()
	const start = 1893492000 // 2030-01-01T10:00:00Z
	updates := []booking.AvailabilityUpdate{
		{
			Record: &bsv1.AvailabilityRecord{MerchantId: "m1", ServiceId: "haircut", StartSec: start, EndSec: start + 1},
			Slots: []booking.Slot{
				{Availability: &acv3.Availability{MerchantId: "m1", ServiceId: "haircut", StartSec: start, DurationSec: 1800, SpotsTotal: 1, SpotsOpen: 1}, Booked: 1},
				{Availability: &acv3.Availability{MerchantId: "m1", ServiceId: "haircut", StartSec: start, DurationSec: 3600, SpotsTotal: 2, SpotsOpen: 2,
					AvailabilityTag: "tag-7", Resources: &acv3.Resources{StaffId: "s-1", StaffName: "Ana"},
					Deposit: &acv3.Deposit{Deposit: &acv3.Price{PriceMicros: 10000000, CurrencyCode: "USD"}}}},
			},
		},
		{Record: &bsv1.AvailabilityRecord{MerchantId: "m1", ServiceId: "color", StartSec: start - 36000, EndSec: start - 36000 + 86400}},
	}
	req, err := newReplaceRequest(t.Context(), "https://maps.example/", "4242", updates)
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" || req.URL.String() != "https://maps.example/v1alpha/inventory/partners/4242/availability:replace" {
		t.Errorf("%s %s", req.Method, req.URL)
	}
	raw, _ := io.ReadAll(req.Body)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	const golden = "testdata/availability_replace.golden.json"
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("body:\n%s\nwant:\n%s", pretty.Bytes(), want)
	}
}

// TestSplitCalls: calls hold at most max entries and keep a service's windows together.
func TestSplitCalls(t *testing.T) {
	t.Parallel()
	u := func(service string) booking.AvailabilityUpdate {
		return booking.AvailabilityUpdate{Record: &bsv1.AvailabilityRecord{MerchantId: "m", ServiceId: service}}
	}
	in := []booking.AvailabilityUpdate{u("a"), u("a"), u("b"), u("b"), u("b"), u("c"), u("d"), u("d"), u("d"), u("d"), u("d")}
	var got []string
	for _, call := range splitCalls(in, 3) {
		s := ""
		for _, x := range call {
			s += x.Record.GetServiceId()
		}
		got = append(got, s)
	}
	want := []string{"aa", "bbb", "c", "ddd", "dd"}
	if len(got) != len(want) {
		t.Fatalf("%q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%q, want %q", got, want)
		}
	}
}
