package stripe_test

import (
	"testing"

	"github.com/bookingserver/bookingserver/booking"
)

func TestSaveCardAndChargeSaved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token       string
		wantDecline string
	}{
		{token: "tok_visa"},
		{token: "tok_chargeDeclinedInsufficientFunds", wantDecline: "insufficient_funds"},
		{token: "tok_chargeDeclinedExpiredCard", wantDecline: "expired_card"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			card, err := b.p.SaveCard(b.ctx, booking.SaveCardRequest{Token: tt.token, Email: "ada@example.com", IdempotencyKey: "bk_1:save", BookingID: "bk_1"})
			if tt.wantDecline != "" {
				wantDecline(t, err, tt.wantDecline, false)
				return
			}
			if err != nil || card.CustomerID == "" || card.PaymentMethodID == "" {
				t.Fatalf("SaveCard = %+v, %v; want ids", card, err)
			}
			reqs := b.fake.Requests()
			wantPaths := []string{"/v1/payment_methods", "/v1/customers", "/v1/setup_intents"}
			wantKeys := []string{"bk_1:save:payment_method", "bk_1:save:customer", "bk_1:save"}
			if len(reqs) != 3 {
				t.Fatalf("SaveCard sent %d requests; want 3", len(reqs))
			}
			for i, r := range reqs {
				if r.Path != wantPaths[i] || r.Key != wantKeys[i] {
					t.Fatalf("request %d = %s key %q; want %s key %q", i, r.Path, r.Key, wantPaths[i], wantKeys[i])
				}
			}
			if reqs[1].Form.Get("email") != "ada@example.com" || reqs[2].Form.Get("customer") != card.CustomerID || reqs[2].Form.Get("payment_method") != card.PaymentMethodID {
				t.Fatalf("customer %v / setup intent %v do not match the saved card %+v", reqs[1].Form, reqs[2].Form, card)
			}
			tx, err := b.p.ChargeSaved(b.ctx, booking.ChargeSavedRequest{Card: card, Amount: usd(25, 0), IdempotencyKey: "bk_1:noshow", BookingID: "bk_1"})
			if err != nil || tx.Amount != usd(25, 0) {
				t.Fatalf("ChargeSaved = %+v, %v; want USD 25", tx, err)
			}
			pi := b.fake.Requests()[3]
			for field, want := range map[string]string{"customer": card.CustomerID, "payment_method": card.PaymentMethodID,
				"off_session": "true", "confirm": "true", "amount": "2500", "currency": "usd"} {
				if got := pi.Form.Get(field); got != want {
					t.Errorf("ChargeSaved PaymentIntent %s = %q; want %q", field, got, want)
				}
			}
		})
	}
}
