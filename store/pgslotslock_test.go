package store

import (
	"testing"

	"github.com/bookingserver/bookingserver/feeds"
)

// TestSlotsLockKeyOfKeysAndPrefixes: a reservation locks its slots by their scan
// prefix (with or without the duration) and a settle by the slots' keys; both must
// name one lock per service and start, and another start another lock.
func TestSlotsLockKeyOfKeysAndPrefixes(t *testing.T) {
	key := []byte(feeds.NewSlotKey("m1", "s1", 1_900_000_000, 1800, "staff-1", "", 2))
	want, err := slotsLockKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range [][]byte{slotScanPrefix("m1", "s1", 1_900_000_000, 1800), slotScanPrefix("m1", "s1", 1_900_000_000, 0),
		[]byte(feeds.NewSlotKey("m1", "s1", 1_900_000_000, 3600, "", "room", 0))} {
		if got, err := slotsLockKey(k); err != nil || got != want {
			t.Errorf("lock of %x: %d (%v), want %d", k, got, err, want)
		}
	}
	if other, _ := slotsLockKey(slotScanPrefix("m1", "s1", 1_900_001_800, 1800)); other == want {
		t.Error("another start takes the same lock")
	}
	if _, err := slotsLockKey([]byte("m1\x00s1")); err == nil {
		t.Error("a key without a start was given a lock")
	}
}
