package sandbox_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/sandbox"
)

func TestSaveCard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token             string
		wantSaveDecline   string
		wantChargeDecline string
	}{
		{token: "tok_visa"},
		{token: "tok_amex"},
		{token: "tok_chargeCustomerFail", wantChargeDecline: "card_declined"},
		{token: "tok_chargeDeclined", wantSaveDecline: "card_declined"},
		{token: "tok_chargeDeclinedExpiredCard", wantSaveDecline: "expired_card"},
		{token: "tok_bogus", wantSaveDecline: "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			card, err := b.p.SaveCard(b.ctx, booking.SaveCardRequest{Token: tt.token, Email: "a@example.com", IdempotencyKey: "bk_1:save", BookingID: "bk_1"})
			if tt.wantSaveDecline != "" {
				wantDecline(t, err, tt.wantSaveDecline, false)
				return
			}
			if err != nil {
				t.Fatalf("SaveCard: %v", err)
			}
			if !strings.HasPrefix(card.CustomerID, "cus_sandbox_") || !strings.HasPrefix(card.PaymentMethodID, "pm_sandbox_") {
				t.Fatalf("SaveCard = %+v; want cus_sandbox_… and pm_sandbox_…", card)
			}
			// The ids are derived from the key: another sandbox gives the same.
			again, err := sandbox.New(sandbox.Options{}).SaveCard(b.ctx, booking.SaveCardRequest{Token: tt.token, IdempotencyKey: "bk_1:save"})
			if err != nil || again != card {
				t.Fatalf("SaveCard in another sandbox = %+v, %v; want %+v", again, err, card)
			}
			if n := len(b.p.Charges()); n != 0 {
				t.Fatalf("SaveCard made %d charges", n)
			}
			tx, err := b.p.ChargeSaved(b.ctx, booking.ChargeSavedRequest{Card: card, Amount: usd(15, 0), IdempotencyKey: "bk_1:noshow", BookingID: "bk_1"})
			if tt.wantChargeDecline != "" {
				wantDecline(t, err, tt.wantChargeDecline, false)
				return
			}
			if err != nil || !strings.HasPrefix(tx.ID, "ch_sandbox_") || tx.Amount != usd(15, 0) {
				t.Fatalf("ChargeSaved = %+v, %v; want ch_sandbox_… for USD 15", tx, err)
			}
		})
	}
}

func TestChargeSavedUnknownCard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		card func(saved booking.SavedCard) booking.SavedCard
	}{
		{name: "unknown payment method", card: func(s booking.SavedCard) booking.SavedCard {
			return booking.SavedCard{CustomerID: s.CustomerID, PaymentMethodID: "pm_nope"}
		}},
		{name: "other customer", card: func(s booking.SavedCard) booking.SavedCard {
			return booking.SavedCard{CustomerID: "cus_other", PaymentMethodID: s.PaymentMethodID}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			saved, err := b.p.SaveCard(b.ctx, booking.SaveCardRequest{Token: "tok_visa", IdempotencyKey: "save"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.p.ChargeSaved(b.ctx, booking.ChargeSavedRequest{Card: tt.card(saved), Amount: usd(1, 0), IdempotencyKey: "c"})
			if !errors.Is(err, sandbox.ErrNoSuchObject) {
				t.Fatalf("ChargeSaved: %v; want ErrNoSuchObject", err)
			}
		})
	}
}
