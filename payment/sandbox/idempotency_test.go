package sandbox_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/sandbox"
)

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// call runs one operation with key; it is called twice with the same key.
		call func(b bundle, key string) (any, error)
		// wantCaptured is the booking's captured total after both calls.
		wantCaptured booking.Money
	}{
		{name: "charge", wantCaptured: usd(20, 0), call: func(b bundle, key string) (any, error) {
			return b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(20, 0), IdempotencyKey: key, BookingID: "bk_1"})
		}},
		{name: "authorize", wantCaptured: usd(0, 0), call: func(b bundle, key string) (any, error) {
			return b.p.Authorize(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(20, 0), IdempotencyKey: key, BookingID: "bk_1"})
		}},
		{name: "save card", wantCaptured: booking.Money{}, call: func(b bundle, key string) (any, error) {
			return b.p.SaveCard(b.ctx, booking.SaveCardRequest{Token: "tok_visa", Email: "a@example.com", IdempotencyKey: key})
		}},
		{name: "charge saved", wantCaptured: usd(5, 0), call: func(b bundle, key string) (any, error) {
			card, err := b.p.SaveCard(b.ctx, booking.SaveCardRequest{Token: "tok_visa", IdempotencyKey: "save"})
			if err != nil {
				return nil, err
			}
			return b.p.ChargeSaved(b.ctx, booking.ChargeSavedRequest{Card: card, Amount: usd(5, 0), IdempotencyKey: key, BookingID: "bk_1"})
		}},
		{name: "decline", wantCaptured: booking.Money{}, call: func(b bundle, key string) (any, error) {
			return b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_chargeDeclined", Amount: usd(20, 0), IdempotencyKey: key, BookingID: "bk_1"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			first, err1 := tt.call(b, "key-1")
			second, err2 := tt.call(b, "key-1")
			if first != second || err1 != err2 {
				t.Fatalf("replay = %+v, %v; want the first answer %+v, %v", second, err2, first, err1)
			}
			if got := b.p.Totals("bk_1").Captured; got != tt.wantCaptured {
				t.Fatalf("captured after a replay = %v; want %v", got, tt.wantCaptured)
			}
		})
	}
}

func TestIdempotencyKeyReuse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		second func(b bundle) error
	}{
		{name: "other amount", second: func(b bundle) error {
			_, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(21, 0), IdempotencyKey: "k", BookingID: "bk_1"})
			return err
		}},
		{name: "other token", second: func(b bundle) error {
			_, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_amex", Amount: usd(20, 0), IdempotencyKey: "k", BookingID: "bk_1"})
			return err
		}},
		{name: "other operation", second: func(b bundle) error {
			_, err := b.p.Authorize(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(20, 0), IdempotencyKey: "k", BookingID: "bk_1"})
			return err
		}},
		{name: "refund", second: func(b bundle) error {
			_, err := b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: "ch_x", Amount: usd(1, 0), IdempotencyKey: "k"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			b.charge(t, "k", usd(20, 0))
			if err := tt.second(b); !errors.Is(err, booking.ErrConflict) {
				t.Fatalf("reusing the key: %v; want booking.ErrConflict", err)
			}
			if n := len(b.p.Charges()); n != 1 {
				t.Fatalf("%d charges; want 1", n)
			}
		})
	}
}

func TestInjectedFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts sandbox.Options
		// fail and drop are set by method instead of Options when true.
		byMethod bool
		// wantAfterFailure is the number of charges made by the failed call.
		wantAfterFailure int
	}{
		{name: "fail next by option", opts: sandbox.Options{FailNext: 2}},
		{name: "fail next by method", opts: sandbox.Options{FailNext: 2}, byMethod: true},
		{name: "drop next by option", opts: sandbox.Options{DropNext: 2}, wantAfterFailure: 1},
		{name: "drop next by method", opts: sandbox.Options{DropNext: 2}, byMethod: true, wantAfterFailure: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			if !tt.byMethod {
				b = setup(t, tt.opts)
			} else {
				b.p.FailNext(tt.opts.FailNext)
				b.p.DropNext(tt.opts.DropNext)
			}
			req := booking.ChargeRequest{Token: "tok_visa", Amount: usd(30, 0), IdempotencyKey: "k", BookingID: "bk_1"}
			for range 2 {
				if _, err := b.p.Charge(b.ctx, req); !errors.Is(err, booking.ErrUnavailable) {
					t.Fatalf("Charge with an injected failure: %v; want booking.ErrUnavailable", err)
				}
			}
			if n := len(b.p.Charges()); n != tt.wantAfterFailure {
				t.Fatalf("%d charges after the failures; want %d", n, tt.wantAfterFailure)
			}
			tx, err := b.p.Charge(b.ctx, req)
			if err != nil {
				t.Fatalf("retry with the same key: %v", err)
			}
			if got := b.p.Totals("bk_1").Captured; got != usd(30, 0) || tx.Amount != usd(30, 0) {
				t.Fatalf("after the retry: captured %v, transaction %+v; want USD 30 once", got, tx)
			}
		})
	}
}

func TestConcurrentSameKey(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	const n = 32
	txs := make([]booking.Transaction, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tx, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: usd(9, 99), IdempotencyKey: "same", BookingID: "bk_1"})
			if err != nil {
				t.Errorf("Charge: %v", err)
			}
			txs[i] = tx
		})
	}
	wg.Wait()
	for _, tx := range txs {
		if tx != txs[0] {
			t.Fatalf("concurrent replays differ: %+v and %+v", tx, txs[0])
		}
	}
	if got := b.p.Totals("bk_1").Captured; got != usd(9, 99) {
		t.Fatalf("captured %v; want USD 9.99 once", got)
	}
}
