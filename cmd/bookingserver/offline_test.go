package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/tenant"
)

// TestFeedsLoadAndStaffAdd: the commands that write a store without a server, on each
// store: `feeds load` applies the example feeds and `staff add` creates a dashboard
// account, both found by the store opened again.
func TestFeedsLoadAndStaffAdd(t *testing.T) {
	eachStore(t, feedsLoadAndStaffAdd)
}

func feedsLoadAndStaffAdd(t *testing.T, store []string) {
	var out bytes.Buffer
	if code := run(context.Background(), append(append([]string{"feeds", "load"}, store...),
		"../../examples/feeds/merchants.json", "../../examples/feeds/services.json", "../../examples/feeds/availability.json"), &out, &out); code != 0 {
		t.Fatalf("feeds load: exit %d: %s", code, out.String())
	}
	t.Setenv(staffPasswordEnv, "a long enough password")
	out.Reset()
	if code := run(context.Background(), append(append([]string{"staff", "add"}, store...), "--merchant", "merchant-1", "--email", "Desk@Example.com"), &out, &out); code != 0 ||
		!strings.Contains(out.String(), "staff account desk@example.com added for merchant merchant-1") {
		t.Fatalf("staff add: exit %d: %s", code, out.String())
	}

	st := openStore(t, store)
	defer st.Close()
	err := st.View(t.Context(), func(tx booking.ReadTx) error {
		_, err := tx.Service("merchant-1", "service-1-a")
		return err
	})
	if err != nil {
		t.Errorf("the loaded service: %v", err)
	}
	acct, err := tenant.NewStaff(st.(tenant.StaffStore), nil).Check(t.Context(), "desk@example.com", "a long enough password")
	if err != nil || acct.GetMerchantId() != "merchant-1" {
		t.Errorf("the staff account: %v %v", acct, err)
	}
}
