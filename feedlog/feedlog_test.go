package feedlog_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feedlog"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// failing answers every load with err.
type failing struct{ err error }

func (f failing) LoadFeed(context.Context, bsv1.FeedKind, []byte) (store.LoadSummary, error) {
	return store.LoadSummary{}, f.err
}

// TestRecorderKeepsEachMerchantsLoads: loads are listed under the caller's merchant
// (the admin's apart), with who made them; a refused load says why, a server error
// does not show its text to the merchant; on each store.
func TestRecorderKeepsEachMerchantsLoads(t *testing.T) {
	t.Parallel()
	storetest.Each(t, recorderKeepsEachMerchantsLoads)
}

func recorderKeepsEachMerchantsLoads(t *testing.T, st store.Backend) {
	storetest.LoadFixture(t, st)
	m1 := booking.WithScope(t.Context(), booking.MerchantScope("m1"))
	log := st.(feedlog.Log) // both stores keep it, beside store.Backend
	r := feedlog.New(st, log)
	feed := `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "service":[{"merchant_id":"m1","service_id":"nails","name":"Nails","price":{"price_micros":"1000000","currency_code":"USD"}}]}`
	if _, err := r.LoadFeed(feedlog.WithWho(m1, "desk@example.com"), bsv1.FeedKind_FEED_KIND_SERVICE, []byte(feed)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.LoadFeed(m1, bsv1.FeedKind_FEED_KIND_SERVICE, []byte(`{`)); err == nil {
		t.Fatal("a broken feed was taken")
	}
	secret := errors.New("dial tcp 10.0.0.7:5432: connection refused")
	if _, err := feedlog.New(failing{secret}, log).LoadFeed(m1, bsv1.FeedKind_FEED_KIND_MERCHANT, nil); !errors.Is(err, secret) {
		t.Fatal(err)
	}
	if _, err := r.LoadFeed(t.Context(), bsv1.FeedKind_FEED_KIND_SERVICE, []byte(feed)); err != nil { // the admin
		t.Fatal(err)
	}
	loads, err := r.Loads(t.Context(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range loads {
		got = append(got, fmt.Sprintf("%s %s %v %s", l.GetKind(), l.GetWho(), l.GetOk(), l.GetSummary()))
	}
	if len(got) != 3 || !strings.HasPrefix(got[0], "merchant api false failed: internal error") || strings.Contains(got[0], "10.0.0.7") ||
		!strings.HasPrefix(got[1], "service api false refused") || !strings.HasPrefix(got[2], "service desk@example.com true service feed applied") {
		t.Errorf("m1's loads, newest first:\n%s", strings.Join(got, "\n"))
	}
	if admin, err := r.Loads(t.Context(), ""); err != nil || len(admin) != 1 {
		t.Errorf("the admin's loads: %v %v", admin, err)
	}
}
