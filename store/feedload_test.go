package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

const (
	t0  int64 = 1893492000 // 2030-01-01T10:00Z
	dur int64 = 1800
)

// availabilityFeed is an availability feed of m1/haircut with slots at the given
// starts; meta is the metadata object's members, e.g. `"processing_instruction":"PROCESS_AS_COMPLETE"`.
func availabilityFeed(meta, restrict string, starts ...int64) []byte {
	var slots []string
	for _, s := range starts {
		slots = append(slots, fmt.Sprintf(`{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"%d","spots_total":"1","spots_open":"1"}`, s, dur))
	}
	return fmt.Appendf(nil, `{"metadata":{%s},"service_availability":[{%s"availability":[%s]}]}`, meta, restrict, strings.Join(slots, ","))
}

func complete(gen int64) string {
	return fmt.Sprintf(`"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"%d"`, gen)
}

func incremental(gen int64) string {
	return fmt.Sprintf(`"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"%d"`, gen)
}

// slotStarts lists which of the candidate starts have a slot of m1/haircut.
func slotStarts(t *testing.T, s store.Backend, candidates ...int64) []int64 {
	t.Helper()
	var have []int64
	err := s.View(context.Background(), func(tx booking.ReadTx) error {
		for _, c := range candidates {
			found := false
			if err := tx.Slots("m1", "haircut", c, 0, func(booking.Slot) bool { found = true; return false }); err != nil {
				return err
			}
			if found {
				have = append(have, c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return have
}

func loadAvailability(t *testing.T, s store.Backend, feed []byte) (store.LoadSummary, error) {
	t.Helper()
	return s.LoadFeed(context.Background(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, feed)
}

func mustLoadAvailability(t *testing.T, s store.Backend, feed []byte) store.LoadSummary {
	t.Helper()
	sum, err := loadAvailability(t, s, feed)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return sum
}

func TestCompleteAndIncrementalFeeds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s) // slots at 10:00, 11:00, 12:00 (generation 1700000000)
		a, b, c, d := t0+86400, t0+86400+3600, t0+86400+7200, t0+86400+10800
		all := []int64{storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther, a, b, c, d}

		// A complete feed replaces every slot of the merchants it covers.
		if sum := mustLoadAvailability(t, s, availabilityFeed(complete(1700000100), "", a, b)); sum.Records != 2 || sum.Removed != 3 {
			t.Errorf("complete: %+v", sum)
		}
		if got := slotStarts(t, s, all...); fmt.Sprint(got) != fmt.Sprint([]int64{a, b}) {
			t.Errorf("after complete: %v", got)
		}
		// An incremental feed adds and keeps the rest.
		mustLoadAvailability(t, s, availabilityFeed(incremental(1700000200), "", c))
		if got := slotStarts(t, s, all...); fmt.Sprint(got) != fmt.Sprint([]int64{a, b, c}) {
			t.Errorf("after incremental: %v", got)
		}
		// An incremental feed with a restrict range replaces exactly that range.
		restrict := fmt.Sprintf(`"merchant_id_restrict":"m1","service_id_restrict":"haircut","start_timestamp_restrict":"%d","end_timestamp_restrict":"%d",`, b, d)
		if sum := mustLoadAvailability(t, s, availabilityFeed(incremental(1700000300), restrict, d-60)); sum.Removed != 2 {
			t.Errorf("restrict: %+v", sum)
		}
		if got := slotStarts(t, s, append(all, d-60)...); fmt.Sprint(got) != fmt.Sprint([]int64{a, d - 60}) {
			t.Errorf("after restricted incremental: %v", got)
		}
	})
}

// TestInvalidFeedAppliesNothing: one bad record refuses the whole feed, naming it.
func TestInvalidFeedAppliesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s)
		feed := availabilityFeed(complete(1700000100), "", t0+86400)
		bad := strings.Replace(string(feed), `]}]}`, `,{"merchant_id":"m1","service_id":"nope","start_sec":"1893578400","duration_sec":"1800","spots_total":"1","spots_open":"2"}]}]}`, 1)
		_, err := loadAvailability(t, s, []byte(bad))
		if !errors.Is(err, booking.ErrInvalid) || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("want a refusal naming the record, got %v", err)
		}
		if got := slotStarts(t, s, storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther, t0+86400); len(got) != 3 || got[0] != storetest.SlotOneSpot {
			t.Errorf("a refused feed changed the slots: %v", got)
		}
	})
}

func TestOlderGenerationRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s) // generation 1700000000
		_, err := loadAvailability(t, s, availabilityFeed(complete(1699999999), "", t0+86400))
		if !errors.Is(err, booking.ErrConflict) || !strings.Contains(err.Error(), "older") {
			t.Fatalf("older feed: %v", err)
		}
		if got := slotStarts(t, s, t0+86400); len(got) != 0 {
			t.Errorf("a refused feed was applied: %v", got)
		}
	})
}

// TestShardsApplyTogether: shards with one nonce are applied only when all have arrived,
// in any order, and then together.
func TestShardsApplyTogether(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s)
		shard := func(n int, start int64) []byte {
			meta := fmt.Sprintf(`"processing_instruction":"PROCESS_AS_COMPLETE","shard_number":%d,"total_shards":2,"nonce":"77","generation_timestamp":"1700000100"`, n)
			return availabilityFeed(meta, "", start)
		}
		a, b := t0+86400, t0+86400+3600
		if sum := mustLoadAvailability(t, s, shard(1, b)); sum.PendingShards != 1 {
			t.Fatalf("first shard: %+v", sum)
		}
		if got := slotStarts(t, s, storetest.SlotOneSpot, a, b); fmt.Sprint(got) != fmt.Sprint([]int64{storetest.SlotOneSpot}) {
			t.Fatalf("a lone shard was applied: %v", got)
		}
		if sum := mustLoadAvailability(t, s, shard(0, a)); sum.PendingShards != 0 || sum.Records != 2 {
			t.Fatalf("last shard: %+v", sum)
		}
		if got := slotStarts(t, s, storetest.SlotOneSpot, a, b); fmt.Sprint(got) != fmt.Sprint([]int64{a, b}) {
			t.Errorf("after both shards: %v", got)
		}
	})
}

// TestScopedFeedLoadKeepsToItsMerchant: a caller scoped to one merchant loads that
// merchant's slots, and a feed with another merchant's records is refused whole.
func TestScopedFeedLoadKeepsToItsMerchant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		storetest.LoadFixture(t, s)
		ctx := booking.WithScope(context.Background(), booking.MerchantScope("m2"))
		_, err := s.LoadFeed(ctx, bsv1.FeedKind_FEED_KIND_AVAILABILITY, availabilityFeed(incremental(1700000001), "", t0+86400))
		if !errors.Is(err, booking.ErrInvalid) {
			t.Fatalf("m1's slots loaded by m2: %v, want ErrInvalid", err)
		}
		if got := slotStarts(t, s, t0+86400); len(got) != 0 {
			t.Fatalf("refused feed applied: %v", got)
		}
		ctx = booking.WithScope(context.Background(), booking.MerchantScope("m1"))
		if _, err := s.LoadFeed(ctx, bsv1.FeedKind_FEED_KIND_AVAILABILITY, availabilityFeed(incremental(1700000001), "", t0+86400)); err != nil {
			t.Fatalf("m1's own slots: %v", err)
		}
	})
}
