package sandbox_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/sandbox"
)

// usd returns d dollars and c cents.
func usd(d, c int64) booking.Money {
	return booking.Money{Micros: d*1_000_000 + c*10_000, Currency: "USD"}
}

// bundle is what a sandbox test works with.
type bundle struct {
	ctx context.Context
	p   *sandbox.Processor
}

// setup returns a fresh sandbox built with opts.
func setup(t *testing.T, opts sandbox.Options) bundle {
	t.Helper()
	return bundle{ctx: t.Context(), p: sandbox.New(opts)}
}

// charge charges amount on tok_visa and fails the test on error.
func (b bundle) charge(t *testing.T, key string, amount booking.Money) booking.Transaction {
	t.Helper()
	tx, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: amount, IdempotencyKey: key, BookingID: "bk_1"})
	if err != nil {
		t.Fatalf("Charge(%s): %v", key, err)
	}
	return tx
}

// authorize authorizes amount on tok_visa and fails the test on error.
func (b bundle) authorize(t *testing.T, key string, amount booking.Money) booking.Transaction {
	t.Helper()
	tx, err := b.p.Authorize(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: amount, IdempotencyKey: key, BookingID: "bk_1"})
	if err != nil {
		t.Fatalf("Authorize(%s): %v", key, err)
	}
	return tx
}

// wantDecline fails the test unless err is a *booking.DeclineError with code (and
// CardTypeRejected as given).
func wantDecline(t *testing.T, err error, code string, cardTypeRejected bool) {
	t.Helper()
	var de *booking.DeclineError
	if !errors.As(err, &de) || !errors.Is(err, booking.ErrDeclined) {
		t.Fatalf("error = %v; want a *booking.DeclineError %q", err, code)
	}
	if de.Code != code || de.CardTypeRejected != cardTypeRejected {
		t.Fatalf("decline = %+v; want code %q, CardTypeRejected %v", de, code, cardTypeRejected)
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	if got := sandbox.New(sandbox.Options{}).Name(); got != "sandbox" {
		t.Fatalf("Name() = %q; want sandbox", got)
	}
}
