package store

import (
	"testing"
	"time"
)

// TestDeathWatchMarksKeepTheRecountWindow: the version a dead replica's recount
// starts above is the one taken at the newest check at least recountWindow before
// the death was seen (or the first check, for a replica younger than that), never
// a later one: a change that took its version inside the window is read again.
func TestDeathWatchMarksKeepTheRecountWindow(t *testing.T) {
	w := &deathWatch{}
	start := time.Unix(1_900_000_000, 0)
	for i := range 10 {
		w.mark(start.Add(time.Duration(i)*time.Second), int64(100*i))
	}
	if got := w.marks[0].version; got != 0 {
		t.Fatalf("10 s after the first check the recount starts above %d, want 0 (the first check's)", got)
	}
	// Checks every 100 ms (after a death) up to 45 s.
	for at := 10 * time.Second; at <= 45*time.Second; at += 100 * time.Millisecond {
		w.mark(start.Add(at), int64(at/time.Millisecond))
	}
	now := start.Add(45 * time.Second)
	first := w.marks[0]
	if first.at.After(now.Add(-recountWindow)) {
		t.Fatalf("the recount starts at the check of %v, later than %v before the last", now.Sub(first.at), recountWindow)
	}
	if len(w.marks) < 2 || !w.marks[1].at.After(now.Add(-recountWindow)) {
		t.Fatalf("marks older than the newest one from %v before are kept: %v", recountWindow, w.marks[:2])
	}
	if got, want := first.version, int64(15_000); got != want {
		t.Fatalf("the recount starts above %d, want %d (the check 30 s before the last)", got, want)
	}
}
