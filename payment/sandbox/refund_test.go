package sandbox_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/sandbox"
)

func TestRefund(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// refunds are made in order against a USD 100 charge; all but the last must
		// succeed.
		refunds      []booking.Money
		chargeID     string
		wantErr      error
		wantRefunded booking.Money
	}{
		{name: "whole", refunds: []booking.Money{usd(100, 0)}, wantRefunded: usd(100, 0)},
		{name: "part", refunds: []booking.Money{usd(12, 34)}, wantRefunded: usd(12, 34)},
		{name: "in parts up to the whole", refunds: []booking.Money{usd(50, 0), usd(49, 99), usd(0, 1)}, wantRefunded: usd(100, 0)},
		{name: "more than charged", refunds: []booking.Money{usd(100, 1)}, wantErr: sandbox.ErrExceedsAmount, wantRefunded: usd(0, 0)},
		{name: "parts exceeding the whole", refunds: []booking.Money{usd(60, 0), usd(40, 1)}, wantErr: sandbox.ErrExceedsAmount, wantRefunded: usd(60, 0)},
		{name: "after a full refund", refunds: []booking.Money{usd(100, 0), usd(0, 1)}, wantErr: sandbox.ErrExceedsAmount, wantRefunded: usd(100, 0)},
		{name: "other currency", refunds: []booking.Money{{Micros: 1_000_000, Currency: "EUR"}}, wantErr: booking.ErrInvalid, wantRefunded: usd(0, 0)},
		{name: "zero", refunds: []booking.Money{usd(0, 0)}, wantErr: booking.ErrInvalid, wantRefunded: usd(0, 0)},
		{name: "fraction of a cent", refunds: []booking.Money{{Micros: 1_000_001, Currency: "USD"}}, wantErr: booking.ErrInvalid, wantRefunded: usd(0, 0)},
		{name: "unknown charge", chargeID: "ch_nope", refunds: []booking.Money{usd(1, 0)}, wantErr: sandbox.ErrNoSuchObject, wantRefunded: usd(0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			charge := b.charge(t, "ch1", usd(100, 0))
			id := charge.ID
			if tt.chargeID != "" {
				id = tt.chargeID
			}
			var err error
			for i, amount := range tt.refunds {
				var tx booking.Transaction
				tx, err = b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: id, Amount: amount, IdempotencyKey: fmt.Sprint("r", i)})
				if err == nil && (!strings.HasPrefix(tx.ID, "re_sandbox_") || tx.Amount != amount) {
					t.Fatalf("Refund(%v) = %+v; want re_sandbox_… for %v", amount, tx, amount)
				}
				if err != nil && i < len(tt.refunds)-1 {
					t.Fatalf("refund %d (%v): %v", i, amount, err)
				}
			}
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("last refund: %v; want %v", err, tt.wantErr)
			}
			if got := b.p.Totals("bk_1").Refunded; got != tt.wantRefunded {
				t.Fatalf("refunded %v; want %v", got, tt.wantRefunded)
			}
		})
	}
}

func TestRefundUncaptured(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		void bool
	}{
		{name: "open authorization"},
		{name: "voided authorization", void: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			auth := b.authorize(t, "a1", usd(50, 0))
			if tt.void {
				if err := void(b, auth.ID, "v1"); err != nil {
					t.Fatal(err)
				}
			}
			_, err := b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: auth.ID, Amount: usd(1, 0), IdempotencyKey: "r1"})
			if !errors.Is(err, sandbox.ErrInvalidState) {
				t.Fatalf("refunding an uncaptured authorization: %v; want ErrInvalidState", err)
			}
		})
	}
}

// TestConcurrentRefunds races many refunds, each with its own key, on one charge: the
// refunds that succeed never add up to more than the charge.
func TestConcurrentRefunds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		charge, per booking.Money
		n           int
		wantOK      int64
	}{
		{name: "sevens into a hundred", charge: usd(100, 0), per: usd(7, 0), n: 64, wantOK: 14},
		{name: "exact split", charge: usd(10, 0), per: usd(0, 50), n: 50, wantOK: 20},
		{name: "yen", charge: booking.Money{Micros: 1000_000_000, Currency: "JPY"}, per: booking.Money{Micros: 333_000_000, Currency: "JPY"}, n: 16, wantOK: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			charge := b.charge(t, "ch1", tt.charge)
			var ok, refused atomic.Int64
			var wg sync.WaitGroup
			for i := range tt.n {
				wg.Go(func() {
					_, err := b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: charge.ID, Amount: tt.per, IdempotencyKey: fmt.Sprint("r", i)})
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, sandbox.ErrExceedsAmount):
						refused.Add(1)
					default:
						t.Errorf("Refund: %v", err)
					}
				})
			}
			wg.Wait()
			got := b.p.Totals("bk_1").Refunded
			if ok.Load() != tt.wantOK || refused.Load() != int64(tt.n)-tt.wantOK || got.Micros != tt.wantOK*tt.per.Micros || got.Micros > tt.charge.Micros {
				t.Fatalf("%d refunds succeeded, %d refused, %v refunded; want %d of %v, never above %v", ok.Load(), refused.Load(), got, tt.wantOK, tt.per, tt.charge)
			}
		})
	}
}
