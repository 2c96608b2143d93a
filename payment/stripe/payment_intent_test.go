package stripe_test

import (
	"errors"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
)

func TestChargeAndAuthorize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		authorize   bool
		token       string
		amount      booking.Money
		wantAmount  string // the amount form field
		wantCur     string
		wantDecline string
		wantReject  bool
	}{
		{name: "charge visa", token: "tok_visa", amount: usd(15, 0), wantAmount: "1500", wantCur: "usd"},
		{name: "authorize visa", authorize: true, token: "tok_visa", amount: usd(15, 50), wantAmount: "1550", wantCur: "usd"},
		{name: "charge yen", token: "tok_mastercard", amount: booking.Money{Micros: 1500_000_000, Currency: "JPY"}, wantAmount: "1500", wantCur: "jpy"},
		{name: "charge dinar", token: "tok_visa", amount: booking.Money{Micros: 1_250_000, Currency: "KWD"}, wantAmount: "1250", wantCur: "kwd"},
		{name: "charge krona two decimals", token: "tok_visa", amount: booking.Money{Micros: 5_000_000, Currency: "ISK"}, wantAmount: "500", wantCur: "isk"},
		{name: "declined", token: "tok_chargeDeclined", amount: usd(15, 0), wantDecline: "generic_decline"},
		{name: "insufficient funds", token: "tok_chargeDeclinedInsufficientFunds", amount: usd(15, 0), wantDecline: "insufficient_funds"},
		{name: "expired card", authorize: true, token: "tok_chargeDeclinedExpiredCard", amount: usd(15, 0), wantDecline: "expired_card"},
		{name: "incorrect cvc", token: "tok_chargeDeclinedIncorrectCvc", amount: usd(15, 0), wantDecline: "incorrect_cvc"},
		{name: "brand not supported", token: "tok_cardNotSupported", amount: usd(15, 0), wantDecline: "card_not_supported", wantReject: true},
		{name: "3-d secure", token: "tok_threeDSecureRequired", amount: usd(15, 0), wantDecline: "authentication_required"},
		{name: "unknown token", token: "bogus", amount: usd(15, 0), wantDecline: "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			req := booking.ChargeRequest{Token: tt.token, Amount: tt.amount, IdempotencyKey: "bk_1:charge", BookingID: "bk_1", Description: "Haircut"}
			call, method := b.p.Charge, "automatic"
			if tt.authorize {
				call, method = b.p.Authorize, "manual"
			}
			tx, err := call(b.ctx, req)
			if tt.wantDecline != "" {
				wantDecline(t, err, tt.wantDecline, tt.wantReject)
				return
			}
			if err != nil || tx.ID == "" || tx.Amount != tt.amount {
				t.Fatalf("= %+v, %v; want a pi_… for %v", tx, err, tt.amount)
			}
			reqs := b.fake.Requests()
			if len(reqs) != 2 || reqs[0].Path != "/v1/payment_methods" || reqs[1].Path != "/v1/payment_intents" {
				t.Fatalf("requests = %+v; want a PaymentMethod, then a PaymentIntent", reqs)
			}
			if reqs[0].Key != "bk_1:charge:payment_method" || reqs[0].Form.Get("card[token]") != tt.token {
				t.Fatalf("PaymentMethod request = %+v; want key bk_1:charge:payment_method and card[token] %s", reqs[0], tt.token)
			}
			pi := reqs[1]
			for field, want := range map[string]string{"amount": tt.wantAmount, "currency": tt.wantCur, "capture_method": method,
				"confirm": "true", "metadata[booking_id]": "bk_1", "description": "Haircut", "payment_method_types[0]": "card"} {
				if got := pi.Form.Get(field); got != want {
					t.Errorf("PaymentIntent %s = %q; want %q", field, got, want)
				}
			}
			if pi.Key != "bk_1:charge" {
				t.Errorf("PaymentIntent Idempotency-Key = %q; want the request's key", pi.Key)
			}
		})
	}
}

func TestAmountsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		amount booking.Money
		key    string
	}{
		{name: "fraction of a cent", amount: booking.Money{Micros: 1_001_000, Currency: "USD"}, key: "k"},
		{name: "fraction of a yen", amount: booking.Money{Micros: 1_500_000, Currency: "JPY"}, key: "k"},
		{name: "fils stripe cannot take", amount: booking.Money{Micros: 1_255_000, Currency: "KWD"}, key: "k"},
		{name: "fraction of a krona", amount: booking.Money{Micros: 5_500_000, Currency: "ISK"}, key: "k"},
		{name: "ariary cents", amount: booking.Money{Micros: 5_500_000, Currency: "MGA"}, key: "k"},
		{name: "zero", amount: usd(0, 0), key: "k"},
		{name: "negative", amount: usd(-1, 0), key: "k"},
		{name: "no currency", amount: booking.Money{Micros: 1_000_000}, key: "k"},
		{name: "no idempotency key", amount: usd(1, 0), key: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: tt.amount, IdempotencyKey: tt.key})
			if !errors.Is(err, booking.ErrInvalid) {
				t.Fatalf("Charge(%v): %v; want booking.ErrInvalid", tt.amount, err)
			}
			if n := len(b.fake.Requests()); n != 0 {
				t.Fatalf("%d requests sent for an invalid amount", n)
			}
		})
	}
}

func TestCaptureAndVoid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		capture     booking.Money // zero: void instead
		voidFirst   bool
		wantErr     bool
		wantCapture string
	}{
		{name: "capture all", capture: usd(50, 0), wantCapture: "5000"},
		{name: "capture part", capture: usd(20, 1), wantCapture: "2001"},
		{name: "capture more than authorized", capture: usd(50, 1), wantErr: true},
		{name: "void"},
		{name: "capture after void", capture: usd(1, 0), voidFirst: true, wantErr: true},
		{name: "void twice", voidFirst: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			auth, err := b.p.Authorize(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(50, 0), IdempotencyKey: "a1", BookingID: "bk_1"})
			if err != nil {
				t.Fatal(err)
			}
			if tt.voidFirst {
				if _, err := b.p.Void(b.ctx, booking.VoidRequest{AuthorizationID: auth.ID, IdempotencyKey: "v0"}); err != nil {
					t.Fatal(err)
				}
			}
			var tx booking.Transaction
			var path string
			if tt.capture.Currency != "" {
				tx, err = b.p.Capture(b.ctx, booking.CaptureRequest{AuthorizationID: auth.ID, Amount: tt.capture, IdempotencyKey: "c1"})
				path = "/v1/payment_intents/" + auth.ID + "/capture"
			} else {
				tx, err = b.p.Void(b.ctx, booking.VoidRequest{AuthorizationID: auth.ID, IdempotencyKey: "v1"})
				path = "/v1/payment_intents/" + auth.ID + "/cancel"
			}
			if tt.wantErr {
				if err == nil || errors.Is(err, booking.ErrUnavailable) || errors.Is(err, booking.ErrDeclined) {
					t.Fatalf("= %+v, %v; want a plain error", tx, err)
				}
				return
			}
			if err != nil || tx.ID != auth.ID {
				t.Fatalf("= %+v, %v; want transaction %s", tx, err, auth.ID)
			}
			last := b.fake.Requests()[len(b.fake.Requests())-1]
			if last.Path != path || last.Form.Get("amount_to_capture") != tt.wantCapture {
				t.Fatalf("last request = %+v; want %s with amount_to_capture %q", last, path, tt.wantCapture)
			}
			if tt.capture.Currency == "" && tx.Amount != (booking.Money{Currency: "USD"}) {
				t.Fatalf("Void moved %v; want USD 0", tx.Amount)
			}
			if tt.capture.Currency != "" && tx.Amount != tt.capture {
				t.Fatalf("Capture moved %v; want %v", tx.Amount, tt.capture)
			}
		})
	}
}
