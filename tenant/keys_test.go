package tenant_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
	"github.com/bookingserver/bookingserver/tenant"
)

// TestKeys: a key verifies as its merchant and records its use to the minute; the key
// itself is never stored; a revoked key verifies as nothing.
func TestKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "db")
	st, err := store.Open(store.DefaultConfig(path))
	if err != nil {
		t.Fatal(err)
	}
	key := exerciseKeys(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), strings.TrimPrefix(key, "bsk_")) {
		t.Error("the key is in the data file")
	}
}

// TestKeysOnPostgres is TestKeys on the Postgres store.
func TestKeysOnPostgres(t *testing.T) {
	t.Parallel()
	st := storetest.NewPostgres(t)
	key := exerciseKeys(t, st)
	var n int
	if err := st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM merchant_keys WHERE position($1::bytea in record) > 0`,
		[]byte(strings.TrimPrefix(key, "bsk_"))).Scan(&n); err != nil || n != 0 {
		t.Errorf("the key is in the database (%d rows, %v)", n, err)
	}
}

// exerciseKeys runs the key life cycle on st and returns the (revoked) key.
func exerciseKeys(t *testing.T, st tenant.KeyStore) string {
	t.Helper()
	now := time.Unix(1_800_000_000, 0)
	keys := tenant.NewKeys(st, func() time.Time { return now })
	id, key, err := keys.Create(t.Context(), "m1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := keys.Create(t.Context(), ""); !errors.Is(err, booking.ErrInvalid) {
		t.Errorf("key without a merchant: %v", err)
	}
	rec, err := keys.Verify(t.Context(), key)
	if err != nil || rec.GetMerchantId() != "m1" || rec.GetKeyId() != id {
		t.Fatalf("verify: %v %v", rec, err)
	}
	for _, bad := range []string{"", "bsk_", key + "x", strings.TrimPrefix(key, "bsk_")} {
		if _, err := keys.Verify(t.Context(), bad); !errors.Is(err, booking.ErrNotFound) {
			t.Errorf("verify %q: %v", bad, err)
		}
	}
	now = now.Add(90 * time.Second)
	if _, err := keys.Verify(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	list, err := keys.List(t.Context(), "m1")
	if err != nil || len(list) != 1 || list[0].GetLastUsedUnix() != now.Unix() || list[0].GetCreatedUnix() != now.Add(-90*time.Second).Unix() {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := keys.Revoke(t.Context(), "m2", id); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("revoke through another merchant: %v", err)
	}
	if err := keys.Revoke(t.Context(), "m1", id); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Verify(t.Context(), key); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("revoked key: %v", err)
	}
	return key
}
