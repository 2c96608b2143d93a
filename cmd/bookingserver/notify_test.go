package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// TestNotifyListAndRetry: notify list shows the pending and dead notifications with
// the dead one's error, and notify retry makes dead letters pending again; on each
// store, with no server running.
func TestNotifyListAndRetry(t *testing.T) {
	t.Parallel()
	eachStore(t, notifyListAndRetry)
}

func notifyListAndRetry(t *testing.T, store []string) {
	st := openStore(t, store)
	for _, id := range []string{"bk-1", "bk-2"} {
		err := st.Update(t.Context(), func(tx booking.Tx) error {
			return tx.Enqueue(&bsv1.Notification{BookingId: id, UpdateMask: []string{booking.MaskStatus}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	recs, _ := st.Outbox().Due(t.Context(), time.Now(), 10)
	if err := st.Outbox().Dead(t.Context(), recs[1].GetId(), &bsv1.Attempt{Attempt: 1, Error: "maps booking API: HTTP 400: bad mask", HttpStatus: 400}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	cli := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(t.Context(), append(args, store...), &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	list := cli("notify", "list")
	for _, want := range []string{"bk-1", "PENDING", "bk-2", "DEAD", "HTTP 400: bad mask", "1 pending, 1 dead"} {
		if !strings.Contains(list, want) {
			t.Errorf("notify list lacks %q:\n%s", want, list)
		}
	}
	if out := cli("notify", "retry", "--all-dead"); !strings.Contains(out, "1 dead letters pending again") {
		t.Errorf("retry --all-dead: %s", out)
	}
	if list := cli("notify", "list"); !strings.Contains(list, "2 pending, 0 dead") {
		t.Errorf("after retry:\n%s", list)
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), append([]string{"notify", "retry", "99"}, store...), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "not found") {
		t.Errorf("retry of an unknown id: exit %d, %s", code, errOut.String())
	}
}
