package booking_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// summaryStart is the start of the slots of summaryFeed; summaryStart+3600 has one
// more slot, with overrides.
const summaryStart int64 = 1893520800 // 2030-01-01T18:00Z

// summaryFeed holds slots that differ in every field a lookup reads: duration, tag,
// resources, party size, spots_open and the bookable overrides.
var summaryFeed = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
 "service_availability":[{"availability":[` + strings.Join([]string{
	slotJSON(summaryStart, 1800, 3, "", "", "", 0, ""),
	slotJSON(summaryStart, 1800, 5, "vip", "", "r2", 0, ""),
	slotJSON(summaryStart, 1800, 2, "", "s1", "", 0, ""),
	slotJSON(summaryStart, 1800, 4, "", "s2", "r1", 0, ""),
	slotJSON(summaryStart, 3600, 1, "", "s1", "r1", 2, ""),
	slotJSON(summaryStart, 3600, 6, "vip", "", "r1", 4, ""),
	slotJSON(summaryStart, 3600, 0, "", "s2", "", 0, ""),
	slotJSON(summaryStart+3600, 1800, 2, "late", "s1", "", 0, `,"scheduling_rule_overrides":{"first_bookable_sec":"1893430000","last_bookable_sec":"1893500000"}`),
}, ",\n") + `]}]}`

func slotJSON(start, duration, open int64, tag, staff, room string, party int32, extra string) string {
	return fmt.Sprintf(`{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d","spots_total":"9","spots_open":"%d","availability_tag":%q,"resources":{"staff_id":%q,"room_id":%q,"party_size":%d}%s}`,
		start, duration, open, tag, staff, room, party, extra)
}

// slotsOnly is a booking.Store whose transactions have no SlotSummaries: the core
// then answers from decoded slots, the reference for the summary path.
type slotsOnly struct{ booking.Store }

func (s slotsOnly) View(ctx context.Context, fn func(booking.ReadTx) error) error {
	return s.Store.View(ctx, func(tx booking.ReadTx) error { return fn(struct{ booking.ReadTx }{tx}) })
}

// TestSlotSummariesMatchSlots checks that the store's summaries carry the fields of
// the decoded slots, and that availability answers from summaries equal those from
// decoded slots for every combination of query fields, booked counts and clock.
func TestSlotSummariesMatchSlots(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		storetest.LoadFixture(t, st)
		if _, err := st.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, []byte(summaryFeed)); err != nil {
			t.Fatal(err)
		}
		clk := &clock{now: time.Unix(summaryStart, 0).Add(-24 * time.Hour)}
		fast, err := booking.New(booking.Config{Store: st, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := booking.New(booking.Config{Store: slotsOnly{st}, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		// Booked counts: two bookings of the vip slot, one of the s1 slot.
		for i, r := range []*acv3.ResourceIds{nil, nil, {StaffId: "s1"}} {
			tag := ""
			if r == nil {
				tag = "vip"
			}
			resp, err := fast.Create(t.Context(), &acv3.CreateBookingRequest{
				Slot:             &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: summaryStart, DurationSec: 1800, AvailabilityTag: tag, Resources: r},
				UserInformation:  &acv3.UserInformation{UserId: fmt.Sprintf("u%d", i), GivenName: "Jane", Email: "jane@example.com"},
				IdempotencyToken: fmt.Sprintf("t%d", i),
			})
			if err != nil || resp.GetBooking().GetBookingId() == "" {
				t.Fatalf("create %d: %v %v", i, err, resp.GetBookingFailure())
			}
		}

		checkSummaryFields(t, st)

		var times []*acv3.SlotTime
		for _, start := range []int64{summaryStart, summaryStart + 3600, summaryStart + 7200} {
			for _, d := range []int64{0, 1800, 3600} {
				for _, tag := range []string{"", "vip", "late"} {
					for _, staff := range []string{"", "s1", "s2"} {
						for _, room := range []string{"", "r1"} {
							for _, party := range []int32{0, 2, 4} {
								times = append(times, &acv3.SlotTime{ServiceId: "haircut", StartSec: start, DurationSec: d, AvailabilityTag: tag,
									ResourceIds: &acv3.ResourceIds{StaffId: staff, RoomId: room, PartySize: party}})
							}
						}
					}
				}
			}
		}
		for _, now := range []int64{summaryStart - 86400, 1893440000, summaryStart - 300, summaryStart + 1} {
			clk.Set(time.Unix(now, 0))
			req := &acv3.BatchAvailabilityLookupRequest{MerchantId: "m1", SlotTime: times}
			got, err := fast.BatchAvailability(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.BatchAvailability(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			available := 0
			for i, st := range times {
				if g, w := got.GetSlotTimeAvailability()[i].GetAvailable(), want.GetSlotTimeAvailability()[i].GetAvailable(); g != w {
					t.Errorf("now %d, %v: available %v from summaries, %v from slots", now, st, g, w)
				}
				if got.GetSlotTimeAvailability()[i].GetAvailable() {
					available++
				}
				slot := &acv3.Slot{MerchantId: "m1", ServiceId: st.GetServiceId(), StartSec: st.GetStartSec(), DurationSec: st.GetDurationSec(),
					AvailabilityTag: st.GetAvailabilityTag(), Resources: st.GetResourceIds()}
				g, err := fast.CheckAvailability(t.Context(), &acv3.CheckAvailabilityRequest{Slot: slot})
				if err != nil {
					t.Fatal(err)
				}
				w, err := ref.CheckAvailability(t.Context(), &acv3.CheckAvailabilityRequest{Slot: slot})
				if err != nil {
					t.Fatal(err)
				}
				if g.GetCountAvailable() != w.GetCountAvailable() {
					t.Errorf("now %d, %v: count %d from summaries, %d from slots", now, slot, g.GetCountAvailable(), w.GetCountAvailable())
				}
			}
			if now == summaryStart-86400 && available == 0 {
				t.Errorf("now %d: no slot time available: the comparison is vacuous", now)
			}
		}
	})
}

// checkSummaryFields compares every summary of the fixture's starts with its slot.
func checkSummaryFields(t *testing.T, st store.Backend) {
	t.Helper()
	err := st.View(t.Context(), func(tx booking.ReadTx) error {
		sr, ok := tx.(booking.SlotSummaryReader)
		if !ok {
			t.Fatal("store transactions have no SlotSummaries")
		}
		for _, start := range []int64{storetest.SlotOneSpot, summaryStart, summaryStart + 3600} {
			var slots []booking.Slot
			if err := tx.Slots("m1", "haircut", start, 0, func(s booking.Slot) bool { slots = append(slots, s); return true }); err != nil {
				return err
			}
			i := 0
			err := sr.SlotSummaries("m1", "haircut", start, 0, func(s *booking.SlotSummary) bool {
				if i >= len(slots) {
					t.Errorf("start %d: more summaries than slots", start)
					return false
				}
				a, r, o := slots[i].Availability, slots[i].Availability.GetResources(), slots[i].Availability.GetSchedulingRuleOverrides()
				if s.StartSec != a.GetStartSec() || s.DurationSec != a.GetDurationSec() || s.SpotsOpen != a.GetSpotsOpen() ||
					string(s.AvailabilityTag) != a.GetAvailabilityTag() || string(s.StaffID) != r.GetStaffId() ||
					string(s.RoomID) != r.GetRoomId() || s.PartySize != r.GetPartySize() ||
					s.FirstBookableSec != o.GetFirstBookableSec() || s.LastBookableSec != o.GetLastBookableSec() ||
					s.Booked != slots[i].Booked || s.Open() != slots[i].Open() {
					t.Errorf("start %d slot %d: summary %+v, slot %v booked %d", start, i, s, a, slots[i].Booked)
				}
				i++
				return true
			})
			if i != len(slots) {
				t.Errorf("start %d: %d summaries, %d slots", start, i, len(slots))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
