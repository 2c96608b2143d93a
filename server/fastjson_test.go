package server_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/server"
)

// sameAsProtojson fails unless the hand-written JSON of r decodes strictly to r and is,
// as JSON, the same value protojson writes with the REST options.
func sameAsProtojson(t *testing.T, r *acv3.BatchAvailabilityLookupResponse) {
	t.Helper()
	fast := server.AppendBatchAvailabilityJSON(nil, r)
	back := &acv3.BatchAvailabilityLookupResponse{}
	if err := (protojson.UnmarshalOptions{}).Unmarshal(fast, back); err != nil {
		t.Fatalf("fast JSON does not decode: %v\n%s", err, fast)
	}
	if !proto.Equal(back, r) {
		t.Fatalf("fast JSON decodes to another message:\n%s\nwant %v", fast, r)
	}
	slow, err := server.JSONOptions.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if json.Unmarshal(fast, &a) != nil || json.Unmarshal(slow, &b) != nil || !reflect.DeepEqual(a, b) {
		t.Fatalf("fast and protojson differ:\nfast %s\nslow %s", fast, slow)
	}
}

func slotTimeOf(tag, staff, room, service string, start, duration int64, party, mode int32) *acv3.SlotTime {
	st := &acv3.SlotTime{StartSec: start, DurationSec: duration, AvailabilityTag: tag, ServiceId: service, ConfirmationMode: acv3.ConfirmationMode(mode)}
	if staff != "" || room != "" || party != 0 {
		st.ResourceIds = &acv3.ResourceIds{StaffId: staff, RoomId: room, PartySize: party}
	}
	return st
}

// TestFastBatchAvailabilityJSON compares the hand-written answer of BatchAvailabilityLookup
// with protojson's on fixed and random messages.
func TestFastBatchAvailabilityJSON(t *testing.T) {
	t.Parallel()
	sameAsProtojson(t, &acv3.BatchAvailabilityLookupResponse{})
	sameAsProtojson(t, &acv3.BatchAvailabilityLookupResponse{SlotTimeAvailability: []*acv3.SlotTimeAvailability{{}, {Available: true}}})
	rng := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "tag-1", `quote " and \ back`, "tab\tnew\nline", "ünïcödé ✓", "<&>", "\x00\x1f"}
	pick := func() string { return strs[rng.IntN(len(strs))] }
	for range 500 {
		r := &acv3.BatchAvailabilityLookupResponse{}
		for range rng.IntN(25) {
			a := &acv3.SlotTimeAvailability{Available: rng.IntN(2) == 0}
			if rng.IntN(10) > 0 {
				a.SlotTime = slotTimeOf(pick(), pick(), pick(), pick(), rng.Int64()-rng.Int64(), rng.Int64N(100000), rng.Int32N(20)-5, rng.Int32N(5))
			}
			r.SlotTimeAvailability = append(r.SlotTimeAvailability, a)
		}
		sameAsProtojson(t, r)
	}
}

// FuzzFastBatchAvailabilityJSON: whatever the values, both encodings agree.
func FuzzFastBatchAvailabilityJSON(f *testing.F) {
	f.Add("tag", "staff", "room", "svc", int64(1798790400), int64(1800), int32(2), int32(1), true)
	f.Add("", "", "", "", int64(-1), int64(0), int32(-3), int32(7), false)
	f.Fuzz(func(t *testing.T, tag, staff, room, service string, start, duration int64, party, mode int32, available bool) {
		st := slotTimeOf(tag, staff, room, service, start, duration, party, mode)
		r := &acv3.BatchAvailabilityLookupResponse{SlotTimeAvailability: []*acv3.SlotTimeAvailability{{SlotTime: st, Available: available}}}
		if _, err := server.JSONOptions.Marshal(r); err != nil {
			t.Skip("protojson refuses it (invalid UTF-8)")
		}
		sameAsProtojson(t, r)
	})
}
