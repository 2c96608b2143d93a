package booking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// hookedProcessor runs hooks around the real processor's Charge.
type hookedProcessor struct {
	booking.Processor
	before, after func()
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
	ctx, cancel := context.WithCancel(context.Background())
	hp := &hookedProcessor{after: cancel}
	f := setupPaymentsWith(t, func(p booking.Processor) booking.Processor { hp.Processor = p; return hp })
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
}

// TestReplayWaitHonoursDeadline (item 8): a replay of a CreateBooking whose first call
// is still at the processor waits for it no longer than its own deadline.
func TestReplayWaitHonoursDeadline(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	hp := &hookedProcessor{before: func() { close(entered); <-release }}
	f := setupPaymentsWith(t, func(p booking.Processor) booking.Processor { hp.Processor = p; return hp })
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
}
