package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/feeds"
)

// cacheWith is a cache holding one service of n slots, none counted yet.
func cacheWith(n int) (*slotCache, [][]byte) {
	c := newSlotCache(nil, pgChannels{}, newReplicaTag())
	cs := &cachedService{}
	for i := range n {
		k := []byte(feeds.NewSlotKey("m1", "s1", 1_900_000_000+int64(i)*1800, 1800, "", "", 1))
		cs.keys, cs.records = append(cs.keys, k), append(cs.records, nil)
		cs.booked, cs.versions = append(cs.booked, 0), append(cs.versions, 0)
	}
	c.services[string(serviceKey("m1", "s1"))] = cs
	return c, cs.keys
}

func (c *slotCache) bookedOf(key []byte) int64 {
	cs := c.services[string(serviceKey("m1", "s1"))]
	for i, k := range cs.keys {
		if string(k) == string(key) {
			return cs.booked[i]
		}
	}
	return -1
}

// TestCacheKeepsTheNewestCount: notifications are sent after their commits, by
// each replica on its own, so they arrive in any order; a count is replaced only
// by one of a later version.
func TestCacheKeepsTheNewestCount(t *testing.T) {
	c, keys := cacheWith(1)
	other := newBroadcaster(nil, pgChannels{}, "other-replica")
	say := func(booked, version int64) {
		t.Helper()
		for _, p := range other.payloads(map[string]slotChange{"k": {key: keys[0], booked: booked, version: version}}) {
			if err := c.notified(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	say(2, 7)
	say(1, 6) // committed before the change of version 7, heard after it
	if got := c.bookedOf(keys[0]); got != 2 {
		t.Fatalf("after versions 7 then 6: %d booked, want 2 (version 7's)", got)
	}
	say(0, 8)
	if got := c.bookedOf(keys[0]); got != 0 {
		t.Fatalf("after version 8: %d booked, want 0", got)
	}

	// Its own changes a replica applied on commit: their echo is not applied again.
	own := newBroadcaster(nil, pgChannels{}, c.tag)
	if err := c.notified(own.payloads(map[string]slotChange{"k": {key: keys[0], booked: 5, version: 99}})[0]); err != nil {
		t.Fatal(err)
	}
	if got := c.bookedOf(keys[0]); got != 0 {
		t.Fatalf("own echo applied: %d booked", got)
	}
	for _, bad := range []string{"abc 1 x", "v2 other\nzz 1 2", "v2 other\n00 1"} {
		if err := c.notified(bad); err == nil {
			t.Errorf("notification %q accepted", bad)
		}
	}
}

// TestBroadcastPayloadsFitPostgres: a thousand changes go in notifications under
// PostgreSQL's 8000-byte limit, each change once.
func TestBroadcastPayloadsFitPostgres(t *testing.T) {
	c, keys := cacheWith(1000)
	b := newBroadcaster(nil, pgChannels{}, "other-replica")
	changes := map[string]slotChange{}
	for i, k := range keys {
		changes[string(k)] = slotChange{key: k, booked: int64(i % 7), version: int64(i + 1)}
	}
	payloads := b.payloads(changes)
	lines := 0
	for _, p := range payloads {
		if len(p) > maxPayload {
			t.Errorf("payload of %d bytes", len(p))
		}
		lines += strings.Count(p, "\n")
		if err := c.notified(p); err != nil {
			t.Fatal(err)
		}
	}
	if lines != len(keys) || len(payloads) < 2 {
		t.Fatalf("%d lines in %d payloads, want %d lines in several", lines, len(payloads), len(keys))
	}
	for i, k := range keys {
		if got := c.bookedOf(k); got != int64(i%7) {
			t.Fatalf("slot %d: %d booked, want %d", i, got, i%7)
		}
	}
	if got := b.payloads(nil); got != nil {
		t.Errorf("no changes: %s", fmt.Sprint(got))
	}
}
