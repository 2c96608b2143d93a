package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// inventoryDue describes the due merchant and service RTUs: merchant[/service]
// r<revision> then "created", the changed fields, and "gone" or "here" (the state read).
func inventoryDue(t *testing.T, o store.InventoryQueue) ([]string, []booking.InventoryUpdate) {
	t.Helper()
	due, err := o.Due(t.Context(), time.Now(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range due {
		r := u.Record
		s := r.GetMerchantId()
		if r.GetServiceId() != "" {
			s += "/" + r.GetServiceId()
		}
		s += fmt.Sprintf(" r%d", r.GetRevision())
		if r.GetCreated() {
			s += " created"
		}
		if len(r.GetChangedFields()) > 0 {
			s += " [" + strings.Join(r.GetChangedFields(), ",") + "]"
		}
		if u.Gone() {
			s += " gone"
		} else {
			s += " here"
		}
		out = append(out, s)
	}
	return out, due
}

func deliverAll(t *testing.T, o store.InventoryQueue, due []booking.InventoryUpdate) {
	t.Helper()
	for _, u := range due {
		if err := o.Delivered(t.Context(), u.Record, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

func loadFeed(t *testing.T, s store.Backend, kind bsv1.FeedKind, feed string) {
	t.Helper()
	if _, err := s.LoadFeed(t.Context(), kind, []byte(feed)); err != nil {
		t.Fatal(err)
	}
}

func wantDue(t *testing.T, step string, got, want []string) {
	t.Helper()
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("%s:\n got  %q\n want %q", step, got, want)
	}
}

// TestInventoryRTU: feed loads mark each merchant and service they add (created),
// change (the changed fields) or remove (gone when read); unchanged ones are not
// marked; changes coalesce; a delivery of a state read before a later change keeps
// the record.
func TestInventoryRTU(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		storetest.LoadFixture(t, s)
		o := s.InventoryOutbox()
		got, due := inventoryDue(t, o)
		wantDue(t, "after the fixture", got, []string{"m1 r1 created here", "m1/haircut r1 created here"})
		if due[0].Merchant.GetName() != "Salon One" || due[1].Service.GetName() != "Haircut" {
			t.Fatalf("state read: %v %v", due[0].Merchant, due[1].Service)
		}
		deliverAll(t, o, due)

		loadFeed(t, s, bsv1.FeedKind_FEED_KIND_MERCHANT, `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
		 "merchant":[{"merchant_id":"m1","name":"Salon One","telephone":"+14155550100"},{"merchant_id":"m2","name":"Salon Two"}]}`)
		got, due = inventoryDue(t, o)
		wantDue(t, "m1 changed, m2 added", got, []string{"m1 r1 [telephone] here", "m2 r1 created here"})

		loadFeed(t, s, bsv1.FeedKind_FEED_KIND_MERCHANT, `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000002"},
		 "merchant":[{"merchant_id":"m1","name":"Salon Uno","telephone":"+14155550100"}]}`)
		got, _ = inventoryDue(t, o)
		wantDue(t, "coalesced; m2 removed", got, []string{"m1 r2 [telephone,name] here", "m2 r2 created gone"})
		deliverAll(t, o, due) // the state read before the last load: both stay
		got, due = inventoryDue(t, o)
		wantDue(t, "after a stale delivery", got, []string{"m1 r2 [telephone,name] here", "m2 r2 created gone"})
		deliverAll(t, o, due)
		if got, _ := inventoryDue(t, o); len(got) != 0 {
			t.Fatalf("after delivering the latest state: %q", got)
		}

		loadFeed(t, s, bsv1.FeedKind_FEED_KIND_SERVICE, `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000001"},
		 "service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut",
		   "price":{"price_micros":"15000000","currency_code":"USD"},
		   "rules":{"min_advance_online_canceling":"3600","min_advance_booking":"600"}},
		  {"merchant_id":"m1","service_id":"color","name":"Color"}]}`)
		got, due = inventoryDue(t, o)
		wantDue(t, "a complete service feed that rewrites haircut unchanged", got, []string{"m1/color r1 created here"})
		deliverAll(t, o, due)
		loadFeed(t, s, bsv1.FeedKind_FEED_KIND_SERVICE, `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000002"},
		 "service":[{"merchant_id":"m1","service_id":"haircut","name":"Haircut"}]}`)
		got, _ = inventoryDue(t, o)
		wantDue(t, "color removed, haircut changed", got, []string{"m1/color r1 gone", "m1/haircut r1 [price,rules] here"})
	})
}

// TestInventoryRTUOrderAndDead: a service waits while its merchant's record is
// retrying; dead records wait for an operator.
func TestInventoryRTUOrderAndDead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		storetest.LoadFixture(t, s)
		o := s.InventoryOutbox()
		_, due := inventoryDue(t, o)
		a := &bsv1.Attempt{AtUnix: time.Now().Unix(), Error: "HTTP 503", HttpStatus: 503}
		if err := o.Failed(t.Context(), due[0].Record, a, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := inventoryDue(t, o); len(got) != 0 {
			t.Fatalf("the service went ahead of its retrying merchant: %q", got)
		}
		if p, d, err := o.Counts(t.Context()); err != nil || p != 2 || d != 0 {
			t.Fatalf("counts %d pending %d dead %v", p, d, err)
		}
		a = &bsv1.Attempt{AtUnix: time.Now().Unix(), Error: "HTTP 400", HttpStatus: 400}
		if err := o.Dead(t.Context(), due[0].Record, a); err != nil {
			t.Fatal(err)
		}
		got, _ := inventoryDue(t, o)
		wantDue(t, "the merchant dead", got, []string{"m1/haircut r1 created here"})
		if n, err := o.RetryAllDead(t.Context()); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		recs, err := o.List(t.Context())
		if err != nil || len(recs) != 2 || recs[0].GetMerchantId() != "m1" || recs[0].GetServiceId() != "" ||
			recs[0].GetState() != bsv1.OutboxState_OUTBOX_STATE_PENDING || len(recs[0].GetAttempts()) != 2 {
			t.Fatalf("after retry: %v %v", recs, err)
		}
	})
}
