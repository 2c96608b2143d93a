package feeds_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the DST tests must not depend on the machine's zoneinfo

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

func expandAll(t *testing.T, a *acv3.Availability) []*acv3.Availability {
	t.Helper()
	var out []*acv3.Availability
	if err := feeds.Expand(a, func(s *acv3.Availability) error { out = append(out, s); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func starts(slots []*acv3.Availability) []int64 {
	var out []int64
	for _, s := range slots {
		out = append(out, s.GetStartSec())
	}
	return out
}

func exception(start, end int64) *acv3.Availability_ScheduleException {
	return &acv3.Availability_ScheduleException{TimeRange: &acv3.TimeRange{StartSec: start, EndSec: end}}
}

func TestExpandPlainSlotYieldsItself(t *testing.T) {
	t.Parallel()
	a := &acv3.Availability{MerchantId: "m", ServiceId: "s", StartSec: 100, DurationSec: 10, SpotsTotal: 3, SpotsOpen: 2,
		ScheduleException: []*acv3.Availability_ScheduleException{exception(0, 1000)}}
	got := expandAll(t, a)
	if len(got) != 1 || got[0] != a {
		t.Fatalf("got %v, want the slot itself", got)
	}
}

func TestExpandRecurrence(t *testing.T) {
	t.Parallel()
	base := &acv3.Availability{MerchantId: "m", ServiceId: "s", StartSec: 1000, DurationSec: 100,
		Resources: &acv3.Resources{StaffId: "st"}, Deposit: &acv3.Deposit{Deposit: usd(5)},
		PaymentOptionId: []string{"po"}, RequireCreditCard: acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS,
		Recurrence: &acv3.Availability_Recurrence{RepeatUntilSec: 1500, RepeatEverySec: 100}}
	tests := []struct {
		name       string
		until      int64
		exceptions []*acv3.Availability_ScheduleException
		want       []int64
	}{
		{"until inclusive", 1500, nil, []int64{1000, 1100, 1200, 1300, 1400, 1500}},
		{"until between starts", 1450, nil, []int64{1000, 1100, 1200, 1300, 1400}},
		{"until at start", 1000, nil, []int64{1000}},
		{"until before start", 999, nil, nil},
		{"aligned exception", 1500, []*acv3.Availability_ScheduleException{exception(1200, 1400)}, []int64{1000, 1100, 1400, 1500}},
		{"exception end is open", 1500, []*acv3.Availability_ScheduleException{exception(1000, 1100)}, []int64{1100, 1200, 1300, 1400, 1500}},
		{"exception overlapping a slot's end", 1500, []*acv3.Availability_ScheduleException{exception(1150, 1160)}, []int64{1000, 1200, 1300, 1400, 1500}},
		{"exception starting at a slot's end", 1500, []*acv3.Availability_ScheduleException{exception(1100, 1100+1)}, []int64{1000, 1200, 1300, 1400, 1500}},
		{"two exceptions", 1500, []*acv3.Availability_ScheduleException{exception(1000, 1001), exception(1500, 9999)}, []int64{1100, 1200, 1300, 1400}},
		{"exception covering all", 1500, []*acv3.Availability_ScheduleException{exception(0, 2000)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := proto.Clone(base).(*acv3.Availability)
			a.Recurrence.RepeatUntilSec = tt.until
			a.ScheduleException = tt.exceptions
			before := proto.Clone(a)
			got := expandAll(t, a)
			if !slices.Equal(starts(got), tt.want) {
				t.Errorf("starts %v, want %v", starts(got), tt.want)
			}
			for _, s := range got {
				want := proto.Clone(base).(*acv3.Availability)
				want.Recurrence, want.StartSec, want.SpotsTotal, want.SpotsOpen = nil, s.GetStartSec(), 1, 1
				if !proto.Equal(s, want) {
					t.Errorf("slot %v, want %v", s, want)
				}
			}
			if len(got) > 1 && got[0].GetResources() == got[1].GetResources() {
				t.Error("slots share sub-messages")
			}
			if !proto.Equal(a, before) {
				t.Error("Expand changed its input")
			}
		})
	}
}

func TestExpandErrors(t *testing.T) {
	t.Parallel()
	a := &acv3.Availability{StartSec: 10, DurationSec: 1, Recurrence: &acv3.Availability_Recurrence{RepeatUntilSec: 100, RepeatEverySec: 0}}
	if err := feeds.Expand(a, func(*acv3.Availability) error { return nil }); err == nil {
		t.Error("a zero period expanded")
	}
	a.Recurrence.RepeatEverySec = 10
	stop := errors.New("stop")
	n := 0
	err := feeds.Expand(a, func(*acv3.Availability) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("got %v after %d slots, want stop after 1", err, n)
	}
	// Near the int64 limit the next start would overflow; expansion must end.
	a = &acv3.Availability{StartSec: math.MaxInt64 - 10, DurationSec: 1,
		Recurrence: &acv3.Availability_Recurrence{RepeatUntilSec: math.MaxInt64, RepeatEverySec: 7}}
	if got := starts(expandAll(t, a)); !slices.Equal(got, []int64{math.MaxInt64 - 10, math.MaxInt64 - 3}) {
		t.Errorf("starts %v", got)
	}
}

// TestExpandDST builds recurrences from local wall-clock times on the days clocks
// change in New York and Paris, and checks the slots are the intended instants.
// A window is [from, to) local with hourly one-hour slots, so the recurrence runs
// until the instant of `to` minus one hour. Exceptions are local ranges too.
func TestExpandDST(t *testing.T) {
	t.Parallel()
	type hm struct{ h, m int }
	tests := []struct {
		name       string
		zone       string
		day        string
		from, to   hm
		exceptions [][2]hm // local [start, end)
		want       []string
	}{
		{"New York spring forward", "America/New_York", "2026-03-08", hm{0, 0}, hm{5, 0}, nil,
			[]string{"00:00 EST", "01:00 EST", "03:00 EDT", "04:00 EDT"}},
		{"New York fall back", "America/New_York", "2026-11-01", hm{0, 0}, hm{5, 0}, nil,
			[]string{"00:00 EDT", "01:00 EDT", "01:00 EST", "02:00 EST", "03:00 EST", "04:00 EST"}},
		{"Paris spring forward", "Europe/Paris", "2026-03-29", hm{0, 0}, hm{5, 0}, nil,
			[]string{"00:00 CET", "01:00 CET", "03:00 CEST", "04:00 CEST"}},
		{"Paris fall back", "Europe/Paris", "2026-10-25", hm{0, 0}, hm{5, 0}, nil,
			[]string{"00:00 CEST", "01:00 CEST", "02:00 CEST", "02:00 CET", "03:00 CET", "04:00 CET"}},
		// 01:00 to 03:00 on spring-forward day is one real hour: one slot goes.
		{"New York spring forward, 01:00-03:00 closed", "America/New_York", "2026-03-08", hm{0, 0}, hm{5, 0},
			[][2]hm{{{1, 0}, {3, 0}}}, []string{"00:00 EST", "03:00 EDT", "04:00 EDT"}},
		// 00:00 to 02:00 on fall-back day is three real hours: the repeated hour goes too.
		{"New York fall back, 00:00-02:00 closed", "America/New_York", "2026-11-01", hm{0, 0}, hm{5, 0},
			[][2]hm{{{0, 0}, {2, 0}}}, []string{"02:00 EST", "03:00 EST", "04:00 EST"}},
		{"Paris fall back, 03:00-04:00 closed", "Europe/Paris", "2026-10-25", hm{0, 0}, hm{5, 0},
			[][2]hm{{{3, 0}, {4, 0}}}, []string{"00:00 CEST", "01:00 CEST", "02:00 CEST", "02:00 CET", "04:00 CET"}},
		{"Paris spring forward, lunch", "Europe/Paris", "2026-03-29", hm{9, 0}, hm{18, 0},
			[][2]hm{{{12, 0}, {14, 0}}}, []string{"09:00 CEST", "10:00 CEST", "11:00 CEST", "14:00 CEST", "15:00 CEST", "16:00 CEST", "17:00 CEST"}},
		{"New York fall back, half an hour closed", "America/New_York", "2026-11-01", hm{0, 0}, hm{5, 0},
			[][2]hm{{{3, 30}, {3, 45}}}, []string{"00:00 EDT", "01:00 EDT", "01:00 EST", "02:00 EST", "04:00 EST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			day, err := time.ParseInLocation(time.DateOnly, tt.day, loc)
			if err != nil {
				t.Fatal(err)
			}
			at := func(x hm) int64 {
				return time.Date(day.Year(), day.Month(), day.Day(), x.h, x.m, 0, 0, loc).Unix()
			}
			a := &acv3.Availability{MerchantId: "m", ServiceId: "s", StartSec: at(tt.from), DurationSec: 3600,
				Recurrence: &acv3.Availability_Recurrence{RepeatUntilSec: at(tt.to) - 3600, RepeatEverySec: 3600}}
			for _, e := range tt.exceptions {
				a.ScheduleException = append(a.ScheduleException, exception(at(e[0]), at(e[1])))
			}
			var got []string
			for _, s := range expandAll(t, a) {
				got = append(got, time.Unix(s.GetStartSec(), 0).In(loc).Format("15:04 MST"))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestExpandDailyAcrossDST shows that a 24-hour period is 24 real hours: a
// recurrence started at 09:00 the day before spring-forward starts at 10:00 local
// the day after. Partners who mean "09:00 every day" send one record per day.
func TestExpandDailyAcrossDST(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 7, 9, 0, 0, 0, loc).Unix()
	a := &acv3.Availability{StartSec: start, DurationSec: 3600,
		Recurrence: &acv3.Availability_Recurrence{RepeatUntilSec: start + 2*86400, RepeatEverySec: 86400}}
	var got []string
	for _, s := range expandAll(t, a) {
		got = append(got, time.Unix(s.GetStartSec(), 0).In(loc).Format("01-02 15:04 MST"))
	}
	if want := []string{"03-07 09:00 EST", "03-08 10:00 EDT", "03-09 10:00 EDT"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSlotKeyEncoding(t *testing.T) {
	t.Parallel()
	got := feeds.NewSlotKey("m1", "s1", 0x0102030405060708, 3600, "st", "r", 4)
	want := []byte("m1\x00s1\x00\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x00\x00\x00\x0e\x10st\x00r\x00\x00\x00\x00\x04")
	if !bytes.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	a := &acv3.Availability{MerchantId: "m1", ServiceId: "s1", StartSec: 0x0102030405060708, DurationSec: 3600,
		Resources: &acv3.Resources{StaffId: "st", RoomId: "r", PartySize: 4, StaffName: "ignored"}, SpotsOpen: 9}
	if key := feeds.AppendSlotKey(nil, a); !bytes.Equal(key, want) {
		t.Errorf("AppendSlotKey = %q", key)
	}
	prefix := feeds.SlotPrefix("m1", "s1", 0x0102030405060708)
	if !bytes.HasPrefix(got, prefix) || len(prefix) != len("m1\x00s1\x00")+8 {
		t.Errorf("SlotPrefix %q is not the key's prefix", prefix)
	}
	if sp := feeds.ServicePrefix("m1", "s1"); !bytes.HasPrefix(prefix, sp) || string(sp) != "m1\x00s1\x00" {
		t.Errorf("ServicePrefix %q", sp)
	}
}

// TestSlotKeyOrder checks that the byte order of keys is the order of their fields,
// including ids that are prefixes of one another.
func TestSlotKeyOrder(t *testing.T) {
	t.Parallel()
	sorted := []feeds.SlotKey{
		feeds.NewSlotKey("a", "s", 5, 60, "", "", 0),
		feeds.NewSlotKey("a", "sx", 1, 60, "", "", 0),
		feeds.NewSlotKey("ab", "", 1, 60, "", "", 0),
		feeds.NewSlotKey("ab", "s", 1, 60, "", "", 0),
		feeds.NewSlotKey("ab", "s", 255, 30, "", "", 0),
		feeds.NewSlotKey("ab", "s", 256, 30, "", "", 0),
		feeds.NewSlotKey("ab", "s", 256, 60, "", "", 0),
		feeds.NewSlotKey("ab", "s", 256, 60, "", "", 2),
		feeds.NewSlotKey("ab", "s", 256, 60, "", "r", 0),
		feeds.NewSlotKey("ab", "s", 256, 60, "a", "", 0),
		feeds.NewSlotKey("ab", "s", 256, 60, "a", "", 1),
		feeds.NewSlotKey("ab", "s", 256, 60, "ab", "", 0),
		feeds.NewSlotKey("ab", "s", 1<<40, 60, "", "", 0),
		feeds.NewSlotKey("b", "", 0, 0, "", "", 0),
	}
	for i := 1; i < len(sorted); i++ {
		if bytes.Compare(sorted[i-1], sorted[i]) >= 0 {
			t.Errorf("key %d %q does not sort before key %d %q", i-1, sorted[i-1], i, sorted[i])
		}
	}
}
