package stripe_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/stripe"
	"github.com/bookingserver/bookingserver/payment/stripe/stripetest"
)

// bundle is what a Stripe adapter test works with.
type bundle struct {
	ctx  context.Context
	fake *stripetest.Fake
	p    *stripe.Processor
}

// setup starts a fake Stripe and an adapter pointed at it.
func setup(t *testing.T) bundle {
	t.Helper()
	fake := stripetest.New(t)
	p, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, BaseURL: fake.URL(), HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return bundle{ctx: t.Context(), fake: fake, p: p}
}

// usd returns d dollars and c cents.
func usd(d, c int64) booking.Money {
	return booking.Money{Micros: d*1_000_000 + c*10_000, Currency: "USD"}
}

// charge charges amount on token and fails the test on error.
func (b bundle) charge(t *testing.T, key string, amount booking.Money) booking.Transaction {
	t.Helper()
	tx, err := b.p.Charge(b.ctx, booking.ChargeRequest{Token: "tok_visa", Amount: amount, IdempotencyKey: key, BookingID: "bk_1"})
	if err != nil {
		t.Fatalf("Charge(%s): %v", key, err)
	}
	return tx
}

// wantDecline fails the test unless err is a *booking.DeclineError with code.
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

func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := stripe.New(stripe.Config{}); err == nil {
		t.Fatal("New without a secret key succeeded")
	}
	p, err := stripe.New(stripe.Config{SecretKey: "sk_test_x"})
	if err != nil || p.Name() != "stripe" {
		t.Fatalf("New = %v, %v; want a processor named stripe", p, err)
	}
}
