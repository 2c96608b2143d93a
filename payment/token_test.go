package payment_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment"
)

// googlePayStripeToken is a Stripe token object as Google Pay (gateway "stripe")
// returns it in unparsed_payment_method_token.
const googlePayStripeToken = `{
  "id": "tok_1N3T00LkdIwHu7ixt44h1F8k",
  "object": "token",
  "card": {"id": "card_1N3T00LkdIwHu7ixRdxpVI1Q", "object": "card", "brand": "Visa",
    "exp_month": 8, "exp_year": 2027, "last4": "4242", "tokenization_method": "android_pay"},
  "client_ip": "203.0.113.7",
  "created": 1683071568,
  "livemode": false,
  "type": "card",
  "used": false
}`

func TestParseToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "bare test token", in: "tok_visa", want: "tok_visa"},
		{name: "bare token with spaces", in: "  tok_mastercard\n", want: "tok_mastercard"},
		{name: "google pay stripe object", in: googlePayStripeToken, want: "tok_1N3T00LkdIwHu7ixt44h1F8k"},
		{name: "minimal object", in: `{"id":"tok_visa"}`, want: "tok_visa"},
		{name: "object without type", in: `{"id":"tok_amex","card":{}}`, want: "tok_amex"},
		{name: "quoted json object", in: `"{\"id\":\"tok_visa\",\"object\":\"token\"}"`, want: "tok_visa"},
		{name: "quoted bare id", in: `"tok_visa"`, want: "tok_visa"},
		{name: "empty", in: "", wantErr: true},
		{name: "blank", in: " \t\n", wantErr: true},
		{name: "truncated json", in: `{"id":"tok_visa"`, wantErr: true},
		{name: "object without id", in: `{"object":"token"}`, wantErr: true},
		{name: "id not a string", in: `{"id":42}`, wantErr: true},
		{name: "not a token object", in: `{"id":"pm_123","object":"payment_method"}`, wantErr: true},
		{name: "id with bad characters", in: `{"id":"tok visa"}`, wantErr: true},
		{name: "bare id with bad characters", in: "tok-visa;drop", wantErr: true},
		{name: "json array", in: `["tok_visa"]`, wantErr: true},
		{name: "doubly quoted", in: `"\"tok_visa\""`, wantErr: true},
		{name: "bad json string", in: `"tok_visa`, wantErr: true},
		{name: "too long", in: strings.Repeat("a", 70_000), wantErr: true},
		{name: "id too long", in: strings.Repeat("a", 256), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := payment.ParseToken(tt.in)
			if tt.wantErr {
				if !errors.Is(err, booking.ErrInvalid) {
					t.Fatalf("ParseToken(%.40q) = %q, %v; want an error wrapping booking.ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseToken(%.40q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseToken(f *testing.F) {
	for _, s := range []string{"tok_visa", googlePayStripeToken, `"{\"id\":\"tok_visa\"}"`, `{"id":""}`, "", "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := payment.ParseToken(in)
		if err != nil {
			if !errors.Is(err, booking.ErrInvalid) {
				t.Fatalf("ParseToken(%q) error %v does not wrap booking.ErrInvalid", in, err)
			}
			return
		}
		if got == "" || len(got) > 255 || strings.ContainsFunc(got, func(r rune) bool {
			return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			t.Fatalf("ParseToken(%q) = %q, not an id", in, got)
		}
	})
}
