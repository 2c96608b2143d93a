package gateways

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestVerifyStripe(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_900_000_000, 0)
	body := []byte(`{"id":"evt_1","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge"}}}`)
	sign := func(secret string, ts int64, b []byte) string {
		mac := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(mac, "%d.%s", ts, b)
		return hex.EncodeToString(mac.Sum(nil))
	}
	good := sign("whsec_1", now.Unix(), body)
	for _, tc := range []struct {
		name, header string
		ok           bool
	}{
		{"signed", fmt.Sprintf("t=%d,v1=%s", now.Unix(), good), true},
		{"any v1 of several", fmt.Sprintf("t=%d,v1=%s,v1=%s", now.Unix(), sign("old", now.Unix(), body), good), true},
		{"tampered body", fmt.Sprintf("t=%d,v1=%s", now.Unix(), sign("whsec_1", now.Unix(), []byte("{}"))), false},
		{"wrong key", fmt.Sprintf("t=%d,v1=%s", now.Unix(), sign("whsec_2", now.Unix(), body)), false},
		{"stale", fmt.Sprintf("t=%d,v1=%s", now.Unix()-301, sign("whsec_1", now.Unix()-301, body)), false},
		{"future", fmt.Sprintf("t=%d,v1=%s", now.Unix()+301, sign("whsec_1", now.Unix()+301, body)), false},
		{"no timestamp", "v1=" + good, false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := verifyStripe(tc.header, body, "whsec_1", now, DefaultStripeTolerance)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrSignature)) {
				t.Fatalf("verifyStripe: %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && (e.ID != "evt_1" || e.Type != "charge.refunded") {
				t.Fatalf("event %+v, want evt_1 charge.refunded", e)
			}
		})
	}
}
