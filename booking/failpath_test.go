package booking_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/stripe"
	"github.com/bookingserver/bookingserver/payment/stripe/stripetest"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// hookedProcessor runs hooks around the real processor's Charge, and after its Refund.
type hookedProcessor struct {
	booking.Processor
	before, after func()
	afterRefund   func()
}

func (p *hookedProcessor) Refund(ctx context.Context, req booking.RefundRequest) (booking.Transaction, error) {
	t, err := p.Processor.Refund(ctx, req)
	if p.afterRefund != nil {
		p.afterRefund()
	}
	return t, err
}

func (p *hookedProcessor) Charge(ctx context.Context, req booking.ChargeRequest) (booking.Transaction, error) {
	if p.before != nil {
		p.before()
	}
	t, err := p.Processor.Charge(ctx, req)
	if p.after != nil {
		p.after()
	}
	return t, err
}

// TestChargeSurvivesCallerGivingUp (item 7): Google times out between the charge and
// the confirm. The booking must end CONFIRMED with its ledger entry, never a held spot
// with the money taken.
func TestChargeSurvivesCallerGivingUp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		ctx, cancel := context.WithCancel(context.Background())
		hp := &hookedProcessor{after: cancel}
		f := setupPaymentsOn(t, st, func(p booking.Processor) booking.Processor { hp.Processor = p; return hp })
		_, _ = f.core.Create(ctx, payReq("prepay", "", "tok_visa")) // the caller has gone: its answer does not matter
		var found *bsv1.BookingRecord
		err := f.store.View(context.Background(), func(tx booking.ReadTx) error {
			return tx.BookingsByUser("u1", func(r *bsv1.BookingRecord) bool { found = r; return false })
		})
		if err != nil || found == nil {
			t.Fatalf("no booking: %v", err)
		}
		if found.GetBooking().GetStatus() != acv3.BookingStatus_CONFIRMED || found.GetPayment().GetCapturedMicros() != 200_000_000 {
			t.Fatalf("after the caller gave up: %v, captured %d; want CONFIRMED with the charge recorded",
				found.GetBooking().GetStatus(), found.GetPayment().GetCapturedMicros())
		}
		ledger, _ := f.core.Ledger(context.Background(), found.GetBooking().GetBookingId())
		if len(ledger) != 1 || ledger[0].GetKind() != bsv1.LedgerEntry_KIND_CHARGE {
			t.Fatalf("ledger %v, want the charge", ledger)
		}
	})
}

// TestReplayWaitHonoursDeadline (item 8): a replay of a CreateBooking whose first call
// is still at the processor waits for it no longer than its own deadline.
func TestReplayWaitHonoursDeadline(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		entered, release := make(chan struct{}), make(chan struct{})
		hp := &hookedProcessor{before: func() { close(entered); <-release }}
		f := setupPaymentsOn(t, st, func(p booking.Processor) booking.Processor { hp.Processor = p; return hp })
		first := make(chan error, 1)
		go func() {
			_, err := f.core.Create(context.Background(), payReq("prepay", "", "tok_visa"))
			first <- err
		}()
		<-entered
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := f.core.Create(ctx, payReq("prepay", "", "tok_visa"))
		if waited := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || waited > 2*time.Second {
			t.Fatalf("replay: %v after %v, want DeadlineExceeded at its 50 ms deadline", err, waited)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
	})
}

// TestMerchantRefundSurvivesCallerGivingUp (item 7): the merchant's client (or Google,
// for a user's cancel) gives up while its cancel, or its refund, is at the processor. The refund made there is
// recorded all the same (and the cancel written): never money returned with the
// ledger still saying it is held, nor a refund left pending for the recovery.
func TestMerchantRefundSurvivesCallerGivingUp(t *testing.T) {
	t.Parallel()
	for _, action := range []string{"cancel", "refund", "user cancel"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, st store.Backend) {
				hp := &hookedProcessor{}
				f := setupPaymentsOn(t, st, func(p booking.Processor) booking.Processor { hp.Processor = p; return hp })
				resp, err := f.core.Create(context.Background(), payReq("prepay", "", "tok_visa"))
				if err != nil {
					t.Fatal(err)
				}
				id := resp.GetBooking().GetBookingId()
				ctx, cancel := context.WithCancel(context.Background())
				hp.afterRefund = cancel
				switch action {
				case "cancel":
					_, err = f.core.MerchantCancel(ctx, id, "c1")
				case "refund":
					_, err = f.core.Refund(ctx, id, "r1", booking.Money{Micros: 50_000_000, Currency: "USD"}, "goodwill")
				case "user cancel":
					_, err = f.core.Update(ctx, &acv3.UpdateBookingRequest{Booking: &acv3.Booking{BookingId: id, Status: acv3.BookingStatus_CANCELED}})
				}
				if err != nil {
					t.Fatalf("%s with the caller gone after the processor's refund: %v", action, err)
				}
				rec, err := f.core.Get(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				p := rec.GetPayment()
				want := map[string]int64{"cancel": 200_000_000, "refund": 50_000_000, "user cancel": 200_000_000}[action]
				if p.GetRefundedMicros() != want || len(p.GetPendingRefunds()) != 0 {
					t.Fatalf("refunded %d with %d pending, want %d recorded and none pending", p.GetRefundedMicros(), len(p.GetPendingRefunds()), want)
				}
				if action != "refund" && rec.GetBooking().GetStatus() != acv3.BookingStatus_CANCELED {
					t.Fatalf("status %v, want CANCELED", rec.GetBooking().GetStatus())
				}
				checkMoney(t, f)
			})
		})
	}
}

// TestStaleIdempotencyKeyNeverResent (item 2): a refund whose answer was lost is asked
// again with its idempotency key, but only while the processor keeps the key (Stripe:
// 24 hours); after that the same key would make a second refund, so it stays pending
// for an operator instead.
func TestStaleIdempotencyKeyNeverResent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		after    time.Duration
		resolved bool
	}{{"within the key's life", time.Hour, true}, {"after it", booking.IdempotencyKeyTrustSec*time.Second + time.Hour, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachPaymentStore(t, func(t *testing.T, f *payFixture) {
				resp, err := f.core.Create(context.Background(), payReq("prepay", "", "tok_visa"))
				if err != nil {
					t.Fatal(err)
				}
				id := resp.GetBooking().GetBookingId()
				f.proc.DropNext(1)
				if _, err := f.core.Refund(context.Background(), id, "r1", booking.Money{Micros: 50_000_000, Currency: "USD"}, "goodwill"); !errors.Is(err, booking.ErrUnavailable) {
					t.Fatalf("refund with a lost answer: %v, want ErrUnavailable", err)
				}
				f.clock.Set(f.clock.Now().Add(tc.after))
				left, err := f.core.ResolvePendingRefunds(context.Background(), 0)
				if err != nil {
					t.Fatal(err)
				}
				rec, _ := f.core.Get(context.Background(), id)
				if resolved := left == 0 && len(rec.GetPayment().GetPendingRefunds()) == 0 && rec.GetPayment().GetRefundedMicros() == 50_000_000; resolved != tc.resolved {
					t.Fatalf("resolved = %v (left %d, %v), want %v", resolved, left, rec.GetPayment(), tc.resolved)
				}
				if got := f.proc.Totals(id).Refunded.Micros; got != 50_000_000 {
					t.Fatalf("processor refunded %d, want one refund of 50000000", got)
				}
			})
		})
	}
}

// TestStaleStripeRefundLookedUp (item 2): at Stripe, a refund whose outcome is unknown
// is asked again with its idempotency key while Stripe keeps it (a replay answers the
// refund made); after that it is looked up among the PaymentIntent's refunds by the key
// it carries as metadata — recorded under Stripe's refund id if it was made, dropped if
// not — and never sent a second time. Against the Stripe fake, at the wire.
func TestStaleStripeRefundLookedUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		after time.Duration
		made  bool // the refund was made (its answer was lost) or not (Stripe answered 500, outcome unknown)
	}{
		{"answer lost, within the key's life", time.Hour, true},
		{"answer lost, after it", booking.IdempotencyKeyTrustSec*time.Second + time.Hour, true},
		{"500, within the key's life", time.Hour, false},
		{"500, after it", booking.IdempotencyKeyTrustSec*time.Second + time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, st store.Backend) {
				fake := stripetest.New(t)
				p, err := stripe.New(stripe.Config{SecretKey: stripetest.Key, BaseURL: fake.URL(), HTTPClient: fake.Client()})
				if err != nil {
					t.Fatal(err)
				}
				f := setupPaymentsOn(t, st, func(booking.Processor) booking.Processor { return p }) // Stripe instead of the sandbox
				resp, err := f.core.Create(context.Background(), payReq("prepay", "", "tok_visa"))
				if err != nil {
					t.Fatal(err)
				}
				id := resp.GetBooking().GetBookingId()
				pi := resp.GetBooking().GetPaymentInformation().GetPaymentTransactionId()
				if tc.made {
					fake.DropNextAnswer()
				} else {
					fake.FailNext(http.StatusInternalServerError, `{"error":{"type":"api_error","message":"An unknown error occurred"}}`)
				}
				if _, err := f.core.Refund(context.Background(), id, "r1", booking.Money{Micros: 50_000_000, Currency: "USD"}, "goodwill"); !errors.Is(err, booking.ErrUnavailable) {
					t.Fatalf("refund with an unknown outcome: %v, want ErrUnavailable", err)
				}
				f.clock.Set(f.clock.Now().Add(tc.after))
				if left, err := f.core.ResolvePendingRefunds(context.Background(), 0); err != nil || left != 0 {
					t.Fatalf("ResolvePendingRefunds = %d, %v; want every refund resolved", left, err)
				}
				rec, _ := f.core.Get(context.Background(), id)
				wantRefunded, wantIDs := int64(0), 0
				if tc.made || tc.after < booking.IdempotencyKeyTrustSec*time.Second {
					wantRefunded, wantIDs = 50_000_000, 1 // within the key's life an unmade one is simply sent again
				}
				ids := fake.RefundIDs(pi)
				if len(rec.GetPayment().GetPendingRefunds()) != 0 || rec.GetPayment().GetRefundedMicros() != wantRefunded || len(ids) != wantIDs || fake.Refunded(pi) != wantRefunded/10_000 {
					t.Fatalf("ledger %v, Stripe refunds %v (%d cents); want %d micros refunded once", rec.GetPayment(), ids, fake.Refunded(pi), wantRefunded)
				}
				if wantIDs == 1 {
					var got string
					_ = f.store.View(context.Background(), func(tx booking.ReadTx) error {
						return tx.Ledger(id, func(e *bsv1.LedgerEntry) bool {
							if e.GetKind() == bsv1.LedgerEntry_KIND_REFUND {
								got = e.GetProcessorId()
							}
							return true
						})
					})
					if got != ids[0] {
						t.Fatalf("ledger refund id %q; want Stripe's %s", got, ids[0])
					}
				}
			})
		})
	}
}
