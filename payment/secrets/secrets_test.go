package secrets_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/payment/secrets"
)

func rawKey(b byte) []byte { return bytes.Repeat([]byte{b}, secrets.KeySize) }

func mustKey(t *testing.T, raw []byte) *secrets.Key {
	t.Helper()
	k, err := secrets.NewKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	raw := rawKey(7)
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"hex", hex.EncodeToString(raw), true},
		{"base64", base64.StdEncoding.EncodeToString(raw), true},
		{"base64 raw url", base64.RawURLEncoding.EncodeToString(raw), true},
		{"spaces", "  " + hex.EncodeToString(raw) + "\n", true},
		{"short", hex.EncodeToString(raw[:16]), false},
		{"garbage", "not a key", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := secrets.ParseKey(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseKey: err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if tc.in != "" && strings.Contains(err.Error(), tc.in) {
					t.Errorf("error repeats the key: %v", err)
				}
				return
			}
			// A key parsed from any encoding opens what the raw key sealed.
			sealed, err := mustKey(t, raw).Seal([]byte("x"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := k.Open(sealed, nil); err != nil {
				t.Errorf("Open with parsed key: %v", err)
			}
		})
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k := mustKey(t, rawKey(1))
	ctx := secrets.Context("merchant-1", "imoje", "shop_key")
	sealed, err := k.SealSecret("shop-key-value", ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("shop-key-value")) {
		t.Fatal("sealed value contains the plain text")
	}
	again, _ := k.SealSecret("shop-key-value", ctx)
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one value are equal: nonce reused")
	}

	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name   string
		key    *secrets.Key
		sealed []byte
		ctx    []byte
		want   error
	}{
		{"round trip", k, sealed, ctx, nil},
		{"wrong key", mustKey(t, rawKey(2)), sealed, ctx, secrets.ErrOpen},
		{"other merchant", k, sealed, secrets.Context("merchant-2", "imoje", "shop_key"), secrets.ErrOpen},
		{"other field", k, sealed, secrets.Context("merchant-1", "imoje", "api_token"), secrets.ErrOpen},
		{"tampered version", k, flip(0), ctx, secrets.ErrOpen},
		{"tampered nonce", k, flip(3), ctx, secrets.ErrOpen},
		{"tampered ciphertext", k, flip(len(sealed) - 20), ctx, secrets.ErrOpen},
		{"tampered tag", k, flip(len(sealed) - 1), ctx, secrets.ErrOpen},
		{"truncated", k, sealed[:10], ctx, secrets.ErrOpen},
		{"empty", k, nil, ctx, secrets.ErrOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.key.OpenSecret(tc.sealed, tc.ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("OpenSecret: err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && got.Reveal() != "shop-key-value" {
				t.Errorf("OpenSecret = %q", got.Reveal())
			}
		})
	}
}

func TestContextIsUnambiguous(t *testing.T) {
	t.Parallel()
	if bytes.Equal(secrets.Context("ab", "c"), secrets.Context("a", "bc")) {
		t.Error("Context(ab,c) == Context(a,bc)")
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	const value = "sk_live_very_secret"
	type config struct {
		MerchantID string
		APIToken   secrets.Secret
		Ptr        *secrets.Secret
	}
	s := secrets.Secret(value)
	c := config{MerchantID: "m1", APIToken: s, Ptr: &s}

	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		l := slog.New(h)
		l.Info("config", "token", s, "config", c, "ptr", &s)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"slog":   logs.String(),
		"json":   string(js),
		"%v":     fmt.Sprintf("%v", c),
		"%+v":    fmt.Sprintf("%+v", c),
		"%#v":    fmt.Sprintf("%#v", c),
		"%s":     fmt.Sprintf("%s", s),
		"%q":     fmt.Sprintf("%q", s),
		"%x":     fmt.Sprintf("%x", s),
		"%v ptr": fmt.Sprintf("%v", *c.Ptr),
		"Sprint": fmt.Sprint(s),
	}
	for name, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, hex.EncodeToString([]byte(value))) {
			t.Errorf("%s output shows the secret: %s", name, out)
		}
	}
	if !strings.Contains(outputs["json"], secrets.Redacted) {
		t.Errorf("json = %s, want %s", outputs["json"], secrets.Redacted)
	}
	if s.Reveal() != value {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}
