package sandbox_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/sandbox"
)

func TestChargeTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token       string
		wantDecline string
	}{
		{token: "tok_visa"},
		{token: "tok_visa_debit"},
		{token: "tok_mastercard"},
		{token: "tok_mastercard_prepaid"},
		{token: "tok_amex"},
		{token: "tok_discover"},
		{token: "tok_jcb"},
		{token: "tok_unionpay"},
		{token: "tok_chargeDeclined", wantDecline: "card_declined"},
		{token: "tok_chargeDeclinedInsufficientFunds", wantDecline: "insufficient_funds"},
		{token: "tok_chargeDeclinedExpiredCard", wantDecline: "expired_card"},
		{token: "tok_chargeDeclinedLostCard", wantDecline: "lost_card"},
		{token: "tok_chargeDeclinedStolenCard", wantDecline: "stolen_card"},
		{token: "tok_chargeDeclinedIncorrectCvc", wantDecline: "incorrect_cvc"},
		{token: "tok_chargeDeclinedProcessingError", wantDecline: "processing_error"},
		{token: "tok_chargeDeclinedFraudulent", wantDecline: "fraudulent"},
		{token: "tok_chargeDeclinedVelocityLimitExceeded", wantDecline: "card_velocity_exceeded"},
		{token: "tok_chargeCustomerFail", wantDecline: "card_declined"},
		{token: "tok_nonsense", wantDecline: "invalid_token"},
		{token: "", wantDecline: "invalid_token"},
		{token: "4242424242424242", wantDecline: "invalid_token"},
	}
	for _, tt := range tests {
		for _, op := range []string{"charge", "authorize"} {
			t.Run(op+"/"+tt.token, func(t *testing.T) {
				t.Parallel()
				b := setup(t, sandbox.Options{})
				req := booking.ChargeRequest{Token: tt.token, Amount: usd(25, 0), IdempotencyKey: "k1", BookingID: "bk_1"}
				call, prefix := b.p.Charge, "ch_sandbox_"
				if op == "authorize" {
					call, prefix = b.p.Authorize, "pi_sandbox_"
				}
				tx, err := call(b.ctx, req)
				if tt.wantDecline != "" {
					wantDecline(t, err, tt.wantDecline, false)
					if n := len(b.p.Charges()); n != 0 {
						t.Fatalf("a decline recorded %d charges", n)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s(%s): %v", op, tt.token, err)
				}
				if !strings.HasPrefix(tx.ID, prefix) || tx.Amount != usd(25, 0) {
					t.Fatalf("%s(%s) = %+v; want id %s…, amount USD 25", op, tt.token, tx, prefix)
				}
			})
		}
	}
}

func TestAcceptedBrands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token    string
		rejected bool
	}{
		{token: "tok_visa"},
		{token: "tok_mastercard_debit"},
		{token: "tok_amex", rejected: true},
		{token: "tok_jcb", rejected: true},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{AcceptedBrands: []string{"visa", "mastercard"}})
			_, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: tt.token, Amount: usd(10, 0), IdempotencyKey: "k"})
			if tt.rejected {
				wantDecline(t, err, "card_not_supported", true)
				return
			}
			if err != nil {
				t.Fatalf("Charge(%s): %v", tt.token, err)
			}
		})
	}
}

func TestRequestValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		amount  booking.Money
		key     string
		wantErr error
	}{
		{name: "empty key", amount: usd(1, 0), key: "", wantErr: booking.ErrInvalid},
		{name: "fraction of a cent", amount: booking.Money{Micros: 1_234_567, Currency: "USD"}, key: "k", wantErr: booking.ErrInvalid},
		{name: "fraction of a yen", amount: booking.Money{Micros: 500_000, Currency: "JPY"}, key: "k", wantErr: booking.ErrInvalid},
		{name: "zero", amount: usd(0, 0), key: "k", wantErr: booking.ErrInvalid},
		{name: "negative", amount: usd(-5, 0), key: "k", wantErr: booking.ErrInvalid},
		{name: "no currency", amount: booking.Money{Micros: 1_000_000}, key: "k", wantErr: booking.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			_, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: tt.amount, IdempotencyKey: tt.key})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Charge(%v, key %q) error = %v; want %v", tt.amount, tt.key, err, tt.wantErr)
			}
			// Validation failures are not remembered: the key is still free.
			if tt.key != "" {
				b.charge(t, tt.key, usd(1, 0))
			}
		})
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	ctx, cancel := context.WithCancel(b.ctx)
	cancel()
	_, err := b.p.Charge(ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(1, 0), IdempotencyKey: "k"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Charge with a canceled context: %v; want context.Canceled", err)
	}
	if n := len(b.p.Charges()); n != 0 {
		t.Fatalf("a canceled call recorded %d charges", n)
	}
	b.charge(t, "k", usd(1, 0))
}
