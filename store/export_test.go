package store_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// export returns the shards of one export.
func export(t *testing.T, s store.Backend, kind feeds.ExportKind, per int) ([][]byte, feeds.ExportInfo) {
	t.Helper()
	var shards []*bytes.Buffer
	info, err := s.ExportFeed(t.Context(), kind, feeds.ExportOptions{ShardRecords: per}, func(shard, total int) (io.Writer, error) {
		if shard != len(shards) {
			return nil, fmt.Errorf("shard %d out of order", shard)
		}
		shards = append(shards, &bytes.Buffer{})
		return shards[shard], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(shards))
	for i, b := range shards {
		out[i] = b.Bytes()
	}
	return out, info
}

// openNow lists every slot of the fixture's service with what is open.
func openNow(t *testing.T, s store.Backend) string {
	t.Helper()
	var out string
	err := s.View(t.Context(), func(tx booking.ReadTx) error {
		for _, start := range []int64{storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther} {
			if err := tx.Slots("m1", "haircut", start, 0, func(sl booking.Slot) bool {
				out += fmt.Sprintf("%d/%d:%d/%d ", sl.Availability.GetStartSec(), sl.Availability.GetDurationSec(), sl.Open(), sl.Availability.GetSpotsTotal())
				return true
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExportRoundTrip: load → book → export (availability in two shards with one
// nonce) → every export validates → load into a fresh store → the same merchants,
// services and open spots (the booked spot is gone from spots_open), exported from
// either store and loaded into either.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, exportRoundTrip)
}

func exportRoundTrip(t *testing.T, s store.Backend) {
	storetest.LoadFixture(t, s)
	take(t, s, storetest.SlotFiveSpots, 1)
	take(t, s, storetest.SlotOneSpot, 1)

	merchants, _ := export(t, s, feeds.ExportMerchant, 0)
	services, _ := export(t, s, feeds.ExportService, 0)
	avail, info := export(t, s, feeds.ExportAvailability, 2)
	if len(merchants) != 1 || len(services) != 1 || len(avail) != 2 || info.TotalShards != 2 || info.Records != 3 || info.Nonce == 0 {
		t.Fatalf("shards %d %d %d, info %+v", len(merchants), len(services), len(avail), info)
	}

	mf, err := feeds.ParseMerchantFeed(merchants[0])
	if err != nil || feeds.ValidateMerchantFeed(mf) != nil {
		t.Fatalf("merchant export: %v %v\n%s", err, feeds.ValidateMerchantFeed(mf), merchants[0])
	}
	sf, err := feeds.ParseServiceFeed(services[0])
	if err != nil || feeds.ValidateServiceFeed(sf, feeds.NewCatalog(mf, nil)) != nil {
		t.Fatalf("service export: %v\n%s", err, services[0])
	}
	for i, shard := range avail {
		af, err := feeds.ParseAvailabilityFeed(shard)
		if err != nil {
			t.Fatalf("availability shard %d: %v\n%s", i, err, shard)
		}
		if err := feeds.ValidateAvailabilityFeed(af, feeds.NewCatalog(mf, sf)); err != nil {
			t.Fatalf("availability shard %d: %v\n%s", i, err, shard)
		}
		md := af.GetMetadata()
		if md.GetProcessingInstruction() != acv3.FeedMetadata_PROCESS_AS_COMPLETE || md.GetShardNumber() != int32(i) ||
			md.GetTotalShards() != 2 || md.GetNonce() != info.Nonce || md.GetGenerationTimestamp() != info.GenerationTimestamp {
			t.Errorf("shard %d metadata %v", i, md)
		}
	}

	want := fmt.Sprintf("%d/1800:0/1 %d/1800:4/5 %d/1800:2/2 ", storetest.SlotOneSpot, storetest.SlotFiveSpots, storetest.SlotOther)
	if got := openNow(t, s); got != want {
		t.Fatalf("source: %q, want %q", got, want)
	}
	for _, impl := range storetest.Stores {
		t.Run("into "+impl.Name, func(t *testing.T) {
			fresh := impl.New(t)
			for _, f := range []struct {
				kind bsv1.FeedKind
				data [][]byte
			}{{bsv1.FeedKind_FEED_KIND_MERCHANT, merchants}, {bsv1.FeedKind_FEED_KIND_SERVICE, services}, {bsv1.FeedKind_FEED_KIND_AVAILABILITY, avail}} {
				for _, d := range f.data {
					if _, err := fresh.LoadFeed(t.Context(), f.kind, d); err != nil {
						t.Fatalf("load %v: %v\n%s", f.kind, err, d)
					}
				}
			}
			if got := openNow(t, fresh); got != want {
				t.Errorf("after the round trip: %q, want %q", got, want)
			}
			err := fresh.View(t.Context(), func(tx booking.ReadTx) error {
				m, err := tx.Merchant("m1")
				if err != nil || !proto.Equal(m, mf.GetMerchant()[0]) {
					t.Errorf("merchant %v %v", m, err)
				}
				svc, err := tx.Service("m1", "haircut")
				if err != nil || !proto.Equal(svc, sf.GetService()[0]) {
					t.Errorf("service %v %v", svc, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}
