package notifier_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/notifier"
	"github.com/bookingserver/bookingserver/notifier/notifiertest"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// inventoryBundle is an inventory worker over real HTTP: a store loaded by real
// feed loads, a fake Maps Booking API that keeps merchants and services as Google
// does, and a local token endpoint. The test drives the rounds.
type inventoryBundle struct {
	st    store.Backend
	api   *notifiertest.FakeAPI
	clock *clock
	w     *notifier.InventoryWorker
}

// eachInventoryStore runs fn, as a parallel subtest, with an inventory worker over
// each store: bbolt, and Postgres when a database is given (storetest.Each).
func eachInventoryStore(t *testing.T, fn func(t *testing.T, b *inventoryBundle)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st store.Backend) { fn(t, setupInventoryOn(t, st)) })
}

// setupInventoryOn builds an inventory worker over st's queue.
func setupInventoryOn(t *testing.T, st store.Backend) *inventoryBundle {
	t.Helper()
	b := &inventoryBundle{st: st, api: notifiertest.NewFakeAPI(t), clock: &clock{t: time.Now()}}
	client, err := notifier.NewHTTPClient(t.Context(), notifiertest.ServiceAccountJSON(t, notifiertest.NewTokenServer(t).URL))
	if err != nil {
		t.Fatal(err)
	}
	b.w, err = notifier.NewInventoryWorker(notifier.InventoryConfig{Outbox: st.InventoryOutbox(), Client: client,
		PartnerID: "p7", BaseURL: b.api.URL, Now: b.clock.Now, MaxAttempts: 5})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// round runs one round and returns its calls as "METHOD path?query status".
func (b *inventoryBundle) round(t *testing.T) []string {
	t.Helper()
	if err := b.w.Round(t.Context()); err != nil {
		t.Fatal(err)
	}
	var calls []string
	for {
		select {
		case c := <-b.api.Inventory:
			if c.Auth == "" {
				t.Errorf("%s %s without a bearer token", c.Method, c.Path)
			}
			s := c.Method + " " + strings.TrimPrefix(c.Path, "/v1alpha/inventory/partners/p7/")
			if c.Query != "" {
				s += "?" + c.Query
			}
			calls = append(calls, fmt.Sprintf("%s %d", s, c.Status))
		default:
			return calls
		}
	}
}

func (b *inventoryBundle) load(t *testing.T, kind bsv1.FeedKind, gen int, records string) {
	t.Helper()
	field := map[bsv1.FeedKind]string{bsv1.FeedKind_FEED_KIND_MERCHANT: "merchant", bsv1.FeedKind_FEED_KIND_SERVICE: "service"}[kind]
	feed := fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"%d"},"%s":[%s]}`, gen, field, records)
	if _, err := b.st.LoadFeed(t.Context(), kind, []byte(feed)); err != nil {
		t.Fatal(err)
	}
}

func wantCalls(t *testing.T, step string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: calls\n%s\nwant\n%s", step, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// resource returns what Google holds under partners/p7/name.
func (b *inventoryBundle) resource(t *testing.T, name string) map[string]any {
	t.Helper()
	r, ok := b.api.Resource("partners/p7/" + name)
	if !ok {
		t.Fatalf("Google holds no %s", name)
	}
	return r
}

// TestInventoryRTUs: feed loads reach Google as creates, patches with the changed
// fields and deletes; 409 on create → patch whole; 404 on patch → create; 404 on
// delete → done; a 503 is retried after the backoff.
func TestInventoryRTUs(t *testing.T) {
	t.Parallel()
	eachInventoryStore(t, func(t *testing.T, b *inventoryBundle) {
		storetest.LoadFixture(t, b.st)
		wantCalls(t, "fixture", b.round(t),
			"POST merchants?merchantId=m1 200",
			"POST merchants/m1/services?serviceId=haircut 200")
		m1 := b.resource(t, "merchants/m1")
		if m1["merchantName"] != "Salon One" || m1["name"] != "partners/p7/merchants/m1" || m1["merchantId"] != nil {
			t.Fatalf("merchant at Google: %v", m1)
		}
		svc := b.resource(t, "merchants/m1/services/haircut")
		if svc["serviceName"] != "Haircut" || fmt.Sprint(svc["price"]) != "map[currencyCode:USD priceMicros:15000000]" {
			t.Fatalf("service at Google: %v", svc)
		}
		if got := b.round(t); len(got) != 0 {
			t.Fatalf("delivered records sent again: %v", got)
		}

		b.api.PutResource("partners/p7/merchants/m2", map[string]any{"merchantName": "Old Two"})
		b.load(t, bsv1.FeedKind_FEED_KIND_MERCHANT, 1700000001,
			`{"merchant_id":"m1","name":"Salon One","telephone":"+14155550100"},{"merchant_id":"m2","name":"Salon Two"}`)
		wantCalls(t, "m1 changed, m2 added but known to Google", b.round(t),
			"PATCH merchants/m1?updateMask=telephone 200",
			"POST merchants?merchantId=m2 409",
			"PATCH merchants/m2?updateMask=merchantName 200")
		if b.resource(t, "merchants/m1")["telephone"] != "+14155550100" || b.resource(t, "merchants/m2")["merchantName"] != "Salon Two" {
			t.Fatal("Google's merchants not updated")
		}

		b.api.SetInventoryStatus(func(n int) int {
			if n == 5 {
				return 503
			}
			return 200
		})
		b.load(t, bsv1.FeedKind_FEED_KIND_SERVICE, 1700000001, `{"merchant_id":"m1","service_id":"haircut","name":"Cut"}`)
		wantCalls(t, "a 503", b.round(t), "PATCH merchants/m1/services/haircut?updateMask=price%2Crules%2CserviceName 503")
		if got := b.round(t); len(got) != 0 {
			t.Fatalf("retried before its backoff: %v", got)
		}
		b.clock.Add(time.Minute)
		wantCalls(t, "the retry", b.round(t), "PATCH merchants/m1/services/haircut?updateMask=price%2Crules%2CserviceName 200")
		if svc := b.resource(t, "merchants/m1/services/haircut"); svc["serviceName"] != "Cut" || svc["price"] != nil {
			t.Fatalf("service at Google: %v", svc)
		}
		if s := b.w.Stats(); s.Retried != 1 || s.Delivered != 5 {
			t.Fatalf("stats %+v", s)
		}

		b.api.DeleteResource("partners/p7/merchants/m1")
		b.api.DeleteResource("partners/p7/merchants/m1/services/haircut")
		b.load(t, bsv1.FeedKind_FEED_KIND_MERCHANT, 1700000002, `{"merchant_id":"m1","name":"Salon Uno","telephone":"+14155550100"}`)
		b.load(t, bsv1.FeedKind_FEED_KIND_SERVICE, 1700000002, `{"merchant_id":"m1","service_id":"color","name":"Color"}`)
		wantCalls(t, "Google lost m1 and haircut; m2 and haircut removed here", b.round(t),
			"PATCH merchants/m1?updateMask=merchantName 404",
			"POST merchants?merchantId=m1 200",
			"POST merchants/m1/services?serviceId=color 200",
			"DELETE merchants/m1/services/haircut 404",
			"DELETE merchants/m2 200")
		if m1 := b.resource(t, "merchants/m1"); m1["merchantName"] != "Salon Uno" || m1["telephone"] != "+14155550100" {
			t.Fatalf("m1 recreated as %v", m1)
		}
		if _, ok := b.api.Resource("partners/p7/merchants/m2"); ok {
			t.Fatal("m2 still at Google")
		}
		if p, d, err := b.st.InventoryOutbox().Counts(t.Context()); err != nil || p != 0 || d != 0 {
			t.Fatalf("queue: %d pending, %d dead, %v", p, d, err)
		}
	})
}

// TestInventoryRTUDeadLetter: a 400 dead-letters the record; after an operator's
// retry it is sent again.
func TestInventoryRTUDeadLetter(t *testing.T) {
	t.Parallel()
	eachInventoryStore(t, func(t *testing.T, b *inventoryBundle) {
		b.api.SetInventoryStatus(func(n int) int {
			if n == 0 {
				return 400
			}
			return 200
		})
		b.load(t, bsv1.FeedKind_FEED_KIND_MERCHANT, 1700000000, `{"merchant_id":"m1","name":"Salon One"}`)
		wantCalls(t, "refused", b.round(t), "POST merchants?merchantId=m1 400")
		if p, d, err := b.st.InventoryOutbox().Counts(t.Context()); err != nil || p != 0 || d != 1 {
			t.Fatalf("queue: %d pending, %d dead, %v", p, d, err)
		}
		if n, err := b.st.InventoryOutbox().RetryAllDead(t.Context()); err != nil || n != 1 {
			t.Fatalf("retry: %d %v", n, err)
		}
		wantCalls(t, "after the operator's retry", b.round(t), "POST merchants?merchantId=m1 200")
	})
}

// TestInventoryRTUAfterRestart: records written by a feed load are sent by a worker
// started after the store was closed and opened again.
func TestInventoryRTUAfterRestart(t *testing.T) {
	t.Parallel()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) {
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		storetest.LoadFixture(t, st)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		if st, err = open(); err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		api := notifiertest.NewFakeAPI(t)
		client, _ := notifier.NewHTTPClient(t.Context(), notifiertest.ServiceAccountJSON(t, notifiertest.NewTokenServer(t).URL))
		w, err := notifier.NewInventoryWorker(notifier.InventoryConfig{Outbox: st.InventoryOutbox(), Client: client, PartnerID: "p7", BaseURL: api.URL})
		if err != nil {
			t.Fatal(err)
		}
		stop := w.Start(t.Context())
		defer stop()
		waitFor(t, "the service at Google", func() bool {
			_, ok := api.Resource("partners/p7/merchants/m1/services/haircut")
			return ok
		})
	})
}
