package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// summaryOf reads the five-spot slot's summary through the availability path.
func summaryOf(t *testing.T, p *store.Postgres) booking.SlotSummary {
	t.Helper()
	var got booking.SlotSummary
	err := p.View(context.Background(), func(tx booking.ReadTx) error {
		return tx.(booking.SlotSummaryReader).SlotSummaries("m1", "haircut", storetest.SlotFiveSpots, storetest.SlotDuration, func(s *booking.SlotSummary) bool {
			got = *s
			return false
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// eventually polls summaryOf until ok accepts it.
func eventually(t *testing.T, p *store.Postgres, what string, ok func(booking.SlotSummary) bool) {
	t.Helper()
	eventuallyWithin(t, p, 10*time.Second, what, ok)
}

// eventuallyWithin polls summaryOf until ok accepts it, for at most wait.
func eventuallyWithin(t *testing.T, p *store.Postgres, wait time.Duration, what string, ok func(booking.SlotSummary) bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for s := summaryOf(t, p); !ok(s); s = summaryOf(t, p) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %+v", what, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// addBooked changes the five-spot slot's count on p, in a Reserve (a booking)
// when delta > 0 and in a SERIALIZABLE Update (a cancellation) otherwise.
func addBooked(t *testing.T, p *store.Postgres, delta int64) {
	t.Helper()
	run := p.Update
	if delta > 0 {
		run = p.Reserve
	}
	if err := run(t.Context(), changeBooked(delta)); err != nil {
		t.Fatal(err)
	}
}

// changeBooked is a transaction's function that changes the five-spot slot's count
// by delta.
func changeBooked(delta int64) func(booking.Tx) error {
	return func(tx booking.Tx) error {
		var key []byte
		if err := tx.Slots("m1", "haircut", storetest.SlotFiveSpots, storetest.SlotDuration, func(s booking.Slot) bool { key = s.Key; return false }); err != nil {
			return err
		}
		return tx.AddBooked(key, delta)
	}
}

// TestPostgresAvailabilityCacheFollowsChanges: each replica answers availability
// from its cache; a booking is seen at once by the replica that made it and soon
// by the other, and so is a feed load.
func TestPostgresAvailabilityCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	storetest.LoadFixture(t, a)
	eventually(t, a, "replica a after the fixture", func(s booking.SlotSummary) bool { return s.SpotsOpen == 5 })
	eventually(t, b, "replica b after the fixture", func(s booking.SlotSummary) bool { return s.SpotsOpen == 5 })

	addBooked(t, a, 2)
	if got := summaryOf(t, a).Booked; got != 2 {
		t.Fatalf("replica a right after its booking answers %d booked, want 2", got)
	}
	eventually(t, b, "replica b after a's booking", func(s booking.SlotSummary) bool { return s.Booked == 2 })

	// A cancellation (a count going down) through the other replica, in a
	// SERIALIZABLE Update: seen at once by b, soon by a.
	addBooked(t, b, -1)
	if got := summaryOf(t, b).Booked; got != 1 {
		t.Fatalf("replica b right after its cancellation answers %d booked, want 1", got)
	}
	eventually(t, a, "replica a after b's cancellation", func(s booking.SlotSummary) bool { return s.Booked == 1 })

	const moreSpots = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
 "service_availability":[{"availability":[
   {"merchant_id":"m1","service_id":"haircut","start_sec":"1893495600","duration_sec":"1800","spots_total":"9","spots_open":"9"}]}]}`
	if _, err := a.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_AVAILABILITY, []byte(moreSpots)); err != nil {
		t.Fatal(err)
	}
	if got := summaryOf(t, a).SpotsOpen; got != 9 {
		t.Fatalf("replica a right after its feed load answers %d spots, want 9", got)
	}
	eventually(t, b, "replica b after a's feed load", func(s booking.SlotSummary) bool { return s.SpotsOpen == 9 && s.Booked == 1 })
}

// reservedPrice reads the haircut's price as a reservation does.
func reservedPrice(t *testing.T, p *store.Postgres) int64 {
	t.Helper()
	var price int64
	err := p.Reserve(t.Context(), func(tx booking.Tx) error {
		svc, err := tx.Service("m1", "haircut")
		price = svc.GetPrice().GetPriceMicros()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return price
}

// TestPostgresReserveCatalogFollowsFeedLoads: reservations read the catalogue from
// the replica's cache, which a feed load on any replica drops.
func TestPostgresReserveCatalogFollowsFeedLoads(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	storetest.LoadFixture(t, a)
	deadline := time.Now().Add(10 * time.Second)
	for reservedPrice(t, b) != 15_000_000 {
		if time.Now().After(deadline) {
			t.Fatal("replica b never read the fixture's price")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := reservedPrice(t, a); got != 15_000_000 {
		t.Fatalf("price %d, want the fixture's", got)
	}
	const dearer = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
 "service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut","price":{"price_micros":"20000000","currency_code":"USD"}}]}`
	if _, err := a.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_SERVICE, []byte(dearer)); err != nil {
		t.Fatal(err)
	}
	if got := reservedPrice(t, a); got != 20_000_000 {
		t.Fatalf("replica a right after its feed load reserves at %d, want 20000000", got)
	}
	for reservedPrice(t, b) != 20_000_000 {
		if time.Now().After(deadline) {
			t.Fatal("replica b still reserves at the old price")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPostgresCachesKeepToTheirSchema: NOTIFY reaches every session of a database,
// whatever its schema; two stores in one database (two deployments, or tests run in
// parallel) must not apply each other's count changes to their caches.
func TestPostgresCachesKeepToTheirSchema(t *testing.T) {
	t.Parallel()
	a, b := storetest.OpenPostgres(t, storetest.PostgresURL(t)), storetest.OpenPostgres(t, storetest.PostgresURL(t))
	storetest.LoadFixture(t, a)
	storetest.LoadFixture(t, b)
	eventually(t, b, "store b after its fixture", func(s booking.SlotSummary) bool { return s.SpotsOpen == 5 && s.Booked == 0 })
	for i := range 5 {
		addBooked(t, a, 1)
		for range 20 { // b answers from its cache while a's notifications arrive
			if got := summaryOf(t, b); got.Booked != 0 {
				t.Fatalf("store b, on another schema, answers %d booked after store a's booking %d, want 0", got.Booked, i+1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	eventually(t, a, "store a after its bookings", func(s booking.SlotSummary) bool { return s.Booked == 5 })
}

// TestPostgresNotificationsSurviveALostConnection: the connection that tells the
// other replicas of count changes is cut; the next change still reaches them.
func TestPostgresNotificationsSurviveALostConnection(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	a, b := storetest.OpenPostgres(t, url), storetest.OpenPostgres(t, url)
	storetest.LoadFixture(t, a)
	eventually(t, b, "replica b after the fixture", func(s booking.SlotSummary) bool { return s.SpotsOpen == 5 })
	addBooked(t, a, 1)
	eventually(t, b, "replica b after a's first booking", func(s booking.SlotSummary) bool { return s.Booked == 1 })

	// a's notification connection, by the application name it gives.
	var cut int
	for deadline := time.Now().Add(10 * time.Second); cut == 0; time.Sleep(10 * time.Millisecond) {
		if err := a.Pool().QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`,
			store.NotificationsSessionName(a)).Scan(&cut); err != nil || (cut == 0 && time.Now().After(deadline)) {
			t.Fatalf("cut %d notification connections: %v", cut, err)
		}
	}
	addBooked(t, a, 1)
	eventually(t, b, "replica b after a's booking with its connection cut", func(s booking.SlotSummary) bool { return s.Booked == 2 })
}
