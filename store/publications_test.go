package store_test

import (
	"testing"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestPublications: publications come back newest first; a later put of the same
// start replaces it (a feed status read after the upload); only the newest 100 stay.
func TestPublications(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		log := s.(store.PublicationLog)
		for i := range int64(102) {
			if err := log.PutPublication(t.Context(), &bsv1.PublicationRecord{StartedUnixNano: 1e18 + i, Outcome: "ok"}); err != nil {
				t.Fatal(err)
			}
		}
		rec := &bsv1.PublicationRecord{StartedUnixNano: 1e18 + 101, Outcome: "ok", Feeds: []*bsv1.FeedUploadRecord{{Kind: "merchant",
			Files: []*bsv1.UploadedFileRecord{{Name: "merchant_1_1of1.json", Status: &bsv1.FeedStatusRecord{State: "SUCCESS"}}}}}}
		if err := log.PutPublication(t.Context(), rec); err != nil {
			t.Fatal(err)
		}
		got, err := log.Publications(t.Context(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 100 || got[0].GetStartedUnixNano() != 1e18+101 || got[99].GetStartedUnixNano() != 1e18+2 ||
			got[0].GetFeeds()[0].GetFiles()[0].GetStatus().GetState() != "SUCCESS" {
			t.Fatalf("%d publications, first %v, last %v", len(got), got[0], got[len(got)-1])
		}
		if got, err := log.Publications(t.Context(), 2); err != nil || len(got) != 2 || got[1].GetStartedUnixNano() != 1e18+100 {
			t.Fatalf("limit 2: %v %v", got, err)
		}
	})
}
