package stripe_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
)

func TestRefund(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		refunds      []booking.Money // against a USD 100 charge; all but the last succeed
		wantErr      bool
		wantRefunded int64
	}{
		{name: "whole", refunds: []booking.Money{usd(100, 0)}, wantRefunded: 10000},
		{name: "in parts", refunds: []booking.Money{usd(60, 0), usd(39, 99), usd(0, 1)}, wantRefunded: 10000},
		{name: "more than charged", refunds: []booking.Money{usd(100, 1)}, wantErr: true},
		{name: "parts exceeding the whole", refunds: []booking.Money{usd(60, 0), usd(40, 1)}, wantErr: true, wantRefunded: 6000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			charge := b.charge(t, "ch1", usd(100, 0))
			var err error
			for i, amount := range tt.refunds {
				var tx booking.Transaction
				tx, err = b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: charge.ID, Amount: amount, IdempotencyKey: fmt.Sprint("r", i)})
				if err == nil && tx.Amount != amount {
					t.Fatalf("Refund(%v) = %+v", amount, tx)
				}
				if err != nil && i < len(tt.refunds)-1 {
					t.Fatalf("refund %d: %v", i, err)
				}
			}
			if tt.wantErr != (err != nil) || errors.Is(err, booking.ErrUnavailable) {
				t.Fatalf("last refund: %v; want error %v (and never retryable)", err, tt.wantErr)
			}
			if got := b.fake.Refunded(charge.ID); got != tt.wantRefunded {
				t.Fatalf("refunded %d cents; want %d", got, tt.wantRefunded)
			}
			last := b.fake.Requests()[len(b.fake.Requests())-1]
			if last.Form.Get("payment_intent") != charge.ID {
				t.Fatalf("refund form %v; want payment_intent %s", last.Form, charge.ID)
			}
		})
	}
}

// TestConcurrentRefunds shares one adapter among goroutines refunding one charge: the
// adapter is safe for concurrent use and Stripe's refusals come back as errors, so the
// refunds that succeed never exceed the charge.
func TestConcurrentRefunds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	charge := b.charge(t, "ch1", usd(100, 0))
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			if _, err := b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: charge.ID, Amount: usd(7, 0), IdempotencyKey: fmt.Sprint("r", i)}); err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 14 || b.fake.Refunded(charge.ID) != 9800 {
		t.Fatalf("%d refunds of USD 7 succeeded, %d cents refunded; want 14 and 9800", ok.Load(), b.fake.Refunded(charge.ID))
	}
}

// TestLookupRefund (issue 13 item 2): a refund whose answer was lost is found among
// the PaymentIntent's refunds (GET /v1/refunds) by the idempotency key it carries as
// metadata, never by refunding again; a refund without our key matches on amount and
// time unless recorded; failed refunds are rejected; none is not found.
func TestLookupRefund(t *testing.T) {
	t.Parallel()
	b := setup(t)
	charge := b.charge(t, "ch1", usd(100, 0))
	b.fake.DropNextAnswer()
	if _, err := b.p.Refund(b.ctx, booking.RefundRequest{ChargeID: charge.ID, Amount: usd(30, 0), IdempotencyKey: "lost"}); !errors.Is(err, booking.ErrUnavailable) {
		t.Fatalf("refund with a lost answer: %v; want ErrUnavailable", err)
	}
	ids := b.fake.RefundIDs(charge.ID)
	if len(ids) != 1 {
		t.Fatalf("refunds at Stripe %v; want the one whose answer was lost", ids)
	}
	failed, err := b.fake.BackOfficePendingRefund(charge.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.fake.SetRefundStatus(failed, "failed"); err != nil {
		t.Fatal(err)
	}
	dashboard, err := b.fake.BackOfficeRefund(charge.ID, 2000)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Minute).Unix()
	for _, tc := range []struct {
		name string
		q    booking.RefundLookup
		want booking.RefundFound
	}{
		{"by its key", booking.RefundLookup{IdempotencyKey: "lost", Amount: usd(30, 0)},
			booking.RefundFound{Outcome: booking.RefundMade, Transaction: booking.Transaction{ID: ids[0], Amount: usd(30, 0)}}},
		{"another key, same amount", booking.RefundLookup{IdempotencyKey: "other", Amount: usd(30, 0), SinceUnix: since}, booking.RefundFound{}},
		{"unkeyed, by amount", booking.RefundLookup{IdempotencyKey: "other", Amount: usd(20, 0), SinceUnix: since},
			booking.RefundFound{Outcome: booking.RefundMade, Transaction: booking.Transaction{ID: dashboard, Amount: usd(20, 0)}}},
		{"unkeyed but recorded", booking.RefundLookup{IdempotencyKey: "other", Amount: usd(20, 0), SinceUnix: since, Recorded: []string{dashboard}}, booking.RefundFound{}},
		{"unkeyed but older", booking.RefundLookup{IdempotencyKey: "other", Amount: usd(20, 0), SinceUnix: time.Now().Add(time.Hour).Unix()}, booking.RefundFound{}},
		{"failed", booking.RefundLookup{IdempotencyKey: "other", Amount: usd(10, 0), SinceUnix: since}, booking.RefundFound{Outcome: booking.RefundRejected}},
	} {
		tc.q.ChargeID = charge.ID
		got, err := b.p.LookupRefund(b.ctx, tc.q)
		if err != nil || got != tc.want {
			t.Errorf("%s: LookupRefund = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if got := b.fake.Refunded(charge.ID); got != 5000 {
		t.Fatalf("refunded %d cents; want 5000 (30 + 20; the failed one gave its 10 back, nothing refunded twice)", got)
	}
	last := b.fake.Requests()[len(b.fake.Requests())-1]
	if last.Path != "/v1/refunds" || last.Form.Get("payment_intent") != charge.ID {
		t.Fatalf("lookup request %+v; want GET /v1/refunds?payment_intent=%s", last, charge.ID)
	}
}
