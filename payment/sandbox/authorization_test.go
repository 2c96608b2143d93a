package sandbox_test

import (
	"errors"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/sandbox"
)

func TestCaptureAndVoid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// steps run in order on an authorization of USD 50 (id auth) and a charge of
		// USD 10 (id charge); the last step's error is checked.
		steps        func(b bundle, auth, charge string) error
		wantErr      error
		wantCaptured booking.Money
		wantHeld     booking.Money
	}{
		{name: "capture all", wantCaptured: usd(60, 0), steps: func(b bundle, auth, _ string) error {
			return capture(b, auth, usd(50, 0), "c1")
		}},
		{name: "capture part", wantCaptured: usd(30, 1), steps: func(b bundle, auth, _ string) error {
			return capture(b, auth, usd(20, 1), "c1")
		}},
		{name: "capture more than authorized", wantErr: sandbox.ErrExceedsAmount, wantCaptured: usd(10, 0), wantHeld: usd(50, 0), steps: func(b bundle, auth, _ string) error {
			return capture(b, auth, usd(50, 1), "c1")
		}},
		{name: "capture twice", wantErr: sandbox.ErrInvalidState, wantCaptured: usd(30, 0), steps: func(b bundle, auth, _ string) error {
			if err := capture(b, auth, usd(20, 0), "c1"); err != nil {
				return err
			}
			return capture(b, auth, usd(10, 0), "c2")
		}},
		{name: "capture in another currency", wantErr: booking.ErrInvalid, wantCaptured: usd(10, 0), wantHeld: usd(50, 0), steps: func(b bundle, auth, _ string) error {
			return capture(b, auth, booking.Money{Micros: 50_000_000, Currency: "EUR"}, "c1")
		}},
		{name: "capture a charge", wantErr: sandbox.ErrInvalidState, wantCaptured: usd(10, 0), wantHeld: usd(50, 0), steps: func(b bundle, _, charge string) error {
			return capture(b, charge, usd(10, 0), "c1")
		}},
		{name: "capture unknown", wantErr: sandbox.ErrNoSuchObject, wantCaptured: usd(10, 0), wantHeld: usd(50, 0), steps: func(b bundle, _, _ string) error {
			return capture(b, "pi_nope", usd(10, 0), "c1")
		}},
		{name: "void", wantCaptured: usd(10, 0), steps: func(b bundle, auth, _ string) error {
			return void(b, auth, "v1")
		}},
		{name: "void twice", wantErr: sandbox.ErrInvalidState, wantCaptured: usd(10, 0), steps: func(b bundle, auth, _ string) error {
			if err := void(b, auth, "v1"); err != nil {
				return err
			}
			return void(b, auth, "v2")
		}},
		{name: "capture after void", wantErr: sandbox.ErrInvalidState, wantCaptured: usd(10, 0), steps: func(b bundle, auth, _ string) error {
			if err := void(b, auth, "v1"); err != nil {
				return err
			}
			return capture(b, auth, usd(1, 0), "c1")
		}},
		{name: "void after capture", wantErr: sandbox.ErrInvalidState, wantCaptured: usd(11, 0), steps: func(b bundle, auth, _ string) error {
			if err := capture(b, auth, usd(1, 0), "c1"); err != nil {
				return err
			}
			return void(b, auth, "v1")
		}},
		{name: "void a charge", wantErr: sandbox.ErrInvalidState, wantCaptured: usd(10, 0), wantHeld: usd(50, 0), steps: func(b bundle, _, charge string) error {
			return void(b, charge, "v1")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, sandbox.Options{})
			auth := b.authorize(t, "a1", usd(50, 0))
			charge := b.charge(t, "ch1", usd(10, 0))
			err := tt.steps(b, auth.ID, charge.ID)
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v; want %v", err, tt.wantErr)
			}
			tot := b.p.Totals("bk_1")
			if tot.Captured != tt.wantCaptured || tot.Held.Micros != tt.wantHeld.Micros {
				t.Fatalf("totals = %+v; want captured %v, held %v", tot, tt.wantCaptured, tt.wantHeld)
			}
		})
	}
}

func TestCaptureThenRefund(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	auth := b.authorize(t, "a1", usd(50, 0))
	tx, err := b.p.Capture(b.ctx, booking.CaptureRequest{AuthorizationID: auth.ID, Amount: usd(40, 0), IdempotencyKey: "c1"})
	if err != nil || tx.ID != auth.ID || tx.Amount != usd(40, 0) {
		t.Fatalf("Capture = %+v, %v; want %s for USD 40", tx, err, auth.ID)
	}
	if _, err := b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: tx.ID, Amount: usd(40, 1), IdempotencyKey: "r1"}); !errors.Is(err, sandbox.ErrExceedsAmount) {
		t.Fatalf("refunding more than captured: %v; want ErrExceedsAmount", err)
	}
	if _, err := b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: tx.ID, Amount: usd(40, 0), IdempotencyKey: "r2"}); err != nil {
		t.Fatalf("refunding the capture: %v", err)
	}
}

func TestVoidTransaction(t *testing.T) {
	t.Parallel()
	b := setup(t, sandbox.Options{})
	auth := b.authorize(t, "a1", usd(50, 0))
	tx, err := b.p.Void(b.ctx, booking.VoidRequest{AuthorizationID: auth.ID, IdempotencyKey: "v1"})
	if err != nil || tx.ID != auth.ID || tx.Amount != (booking.Money{Currency: "USD"}) {
		t.Fatalf("Void = %+v, %v; want %s moving USD 0", tx, err, auth.ID)
	}
	if c := b.p.Charges()[0]; !c.Voided || c.Captured.Micros != 0 {
		t.Fatalf("after Void: %+v; want voided, nothing captured", c)
	}
}

// capture captures amount of id under key.
func capture(b bundle, id string, amount booking.Money, key string) error {
	_, err := b.p.Capture(b.ctx, booking.CaptureRequest{AuthorizationID: id, Amount: amount, IdempotencyKey: key})
	return err
}

// void voids id under key.
func void(b bundle, id, key string) error {
	_, err := b.p.Void(b.ctx, booking.VoidRequest{AuthorizationID: id, IdempotencyKey: key})
	return err
}
