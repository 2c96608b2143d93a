package feeds_test

import (
	"testing"

	"github.com/bookingserver/bookingserver/feeds"
)

// TestSlotKeyParts checks that Parts inverts NewSlotKey after the prefix, and refuses
// keys of another layout.
func TestSlotKeyParts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		staff, room string
		duration    int64
		party       int32
	}{
		{"", "", 3600, 0},
		{"staff-1", "", 1800, 0},
		{"", "room 7", 60, 4},
		{"s", "r", 1 << 40, 1<<31 - 1},
	} {
		k := feeds.NewSlotKey("m1", "svc", 1_700_000_000, tc.duration, tc.staff, tc.room, tc.party)
		p, ok := k.Parts(feeds.SlotPrefixLen("m1", "svc"))
		if !ok || p.DurationSec != tc.duration || string(p.StaffID) != tc.staff || string(p.RoomID) != tc.room || p.PartySize != tc.party {
			t.Errorf("Parts(%q) = %+v, %v; want %+v", k, p, ok, tc)
		}
		if len(feeds.SlotPrefix("m1", "svc", 1_700_000_000)) != feeds.SlotPrefixLen("m1", "svc") {
			t.Errorf("SlotPrefixLen disagrees with SlotPrefix")
		}
	}
	good := feeds.NewSlotKey("m", "s", 1, 60, "a", "b", 2)
	for name, k := range map[string]feeds.SlotKey{
		"short":      good[:len(good)-5],
		"no room":    append(append(feeds.SlotKey{}, good[:len(good)-7]...), 0, 0, 0, 2),
		"extra zero": feeds.NewSlotKey("m", "s", 1, 60, "a", "b\x00c", 2),
	} {
		if p, ok := k.Parts(feeds.SlotPrefixLen("m", "s")); ok {
			t.Errorf("%s: Parts(%q) = %+v, want !ok", name, k, p)
		}
	}
}
