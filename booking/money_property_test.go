package booking_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/sandbox"
)

// TestMoneyInvariantUnderRandomInterleavings is the property of issue 13: over random
// interleavings of charges (with lost answers and failures), replays, refunds (new and
// retried, with lost answers), merchant cancels, back-office refunds made at the
// processor and reported by webhooks (duplicated, reordered, late) and crashes (a new
// core on the same store, recovering), for every booking:
//   - at every step, the ledger never says more was captured or refunded than the
//     processor did, and what the processor refunded beyond the ledger is pending or
//     not yet reported;
//   - once failures stop, the recovery has run and every webhook is delivered, the
//     ledger's captured and refunded equal the processor's; no payment is pending; a
//     booking holds its spot only when CONFIRMED, and is CONFIRMED only with its full
//     price collected.
func TestMoneyInvariantUnderRandomInterleavings(t *testing.T) {
	t.Parallel()
	seeds := 40
	if testing.Short() {
		seeds = 8
	}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			eachPaymentStore(t, func(t *testing.T, f *payFixture) { runMoneyScenario(t, f, uint64(seed)) })
		})
	}
}

// event is a webhook waiting to be delivered.
type event struct{ booking.GatewayEvent }

func runMoneyScenario(t *testing.T, f *payFixture, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 13))
	proc := f.proc
	newCore := func() *booking.Service {
		c, err := booking.New(booking.Config{Store: f.store, Now: f.clock.Now, Processor: proc, ParseToken: payment.ParseToken})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	core := f.core
	ctx := context.Background()
	var (
		tokens   []*acv3.CreateBookingRequest
		requests = map[string][]string{} // booking → request ids used
		queue    []event
		log      []string
	)
	fail := func(what string, err error) {
		t.Helper()
		t.Fatalf("seed %d: %s: %v\nsteps:\n%v", seed, what, err, log)
	}
	bookings := func() []*bsv1.BookingRecord {
		var out []*bsv1.BookingRecord
		err := f.store.View(ctx, func(tx booking.ReadTx) error {
			for u := range 6 {
				if err := tx.BookingsByUser(fmt.Sprint("u", u), func(rec *bsv1.BookingRecord) bool {
					out = append(out, rec)
					return true
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			fail("list", err)
		}
		return out
	}
	inject := func() {
		switch r.IntN(4) {
		case 0:
			proc.DropNext(1)
		case 1:
			proc.FailNext(1)
		}
	}
	chargeOf := func(rec *bsv1.BookingRecord) string { return rec.GetPayment().GetChargeId() }
	for step := range 60 {
		all := bookings()
		pick := func() *bsv1.BookingRecord {
			if len(all) == 0 {
				return nil
			}
			return all[r.IntN(len(all))]
		}
		switch op := r.IntN(9); op {
		case 0: // a new CreateBooking, or Google's replay of one
			var req *acv3.CreateBookingRequest
			if len(tokens) > 0 && r.IntN(3) == 0 {
				req = tokens[r.IntN(len(tokens))]
			} else if len(tokens) < 6 {
				req = payReq("prepay", "", "tok_visa")
				req.UserInformation.UserId = fmt.Sprint("u", len(tokens))
				req.IdempotencyToken = fmt.Sprint("tok-", len(tokens))
				if len(tokens) >= 3 {
					req = payReq("prepay", "saturday-staff", "tok_visa")
					req.UserInformation.UserId = fmt.Sprint("u", len(tokens))
					req.IdempotencyToken = fmt.Sprint("tok-", len(tokens))
				}
				tokens = append(tokens, req)
			} else {
				continue
			}
			inject()
			_, err := core.Create(ctx, req)
			log = append(log, fmt.Sprintf("%d create %s: %v", step, req.GetIdempotencyToken(), err))
		case 1, 2: // a merchant refund, new or retried
			rec := pick()
			if rec == nil {
				continue
			}
			id := rec.GetBooking().GetBookingId()
			reqID := fmt.Sprint("rf", step)
			if used := requests[id]; len(used) > 0 && r.IntN(2) == 0 {
				reqID = used[r.IntN(len(used))]
			} else {
				requests[id] = append(requests[id], reqID)
			}
			amount := int64(1+r.IntN(120)) * 1_000_000
			inject()
			_, err := core.Refund(ctx, id, reqID, booking.Money{Micros: amount, Currency: "USD"}, "test")
			log = append(log, fmt.Sprintf("%d refund %s %s %d: %v", step, id, reqID, amount, err))
		case 3: // a merchant cancel
			rec := pick()
			if rec == nil {
				continue
			}
			inject()
			_, err := core.MerchantCancel(ctx, rec.GetBooking().GetBookingId(), fmt.Sprint("c", step%3))
			log = append(log, fmt.Sprintf("%d cancel %s: %v", step, rec.GetBooking().GetBookingId(), err))
		case 4: // a refund made in the processor's back office; its webhook is queued
			rec := pick()
			if rec == nil || chargeOf(rec) == "" {
				continue
			}
			amount := int64(1+r.IntN(60)) * 1_000_000
			proc.DropNext(0) // the gateway's own back office: our injected faults are not its
			proc.FailNext(0)
			tr, err := proc.Refund(ctx, booking.RefundRequest{ChargeID: chargeOf(rec), Amount: booking.Money{Micros: amount, Currency: "USD"}, IdempotencyKey: fmt.Sprint("bo-", step)})
			log = append(log, fmt.Sprintf("%d back-office refund %s %d: %v", step, rec.GetBooking().GetBookingId(), amount, err))
			if err == nil {
				queue = append(queue, event{booking.GatewayEvent{Gateway: "sandbox", MerchantID: "m1", DedupeKey: "evt-" + tr.ID,
					BookingID: rec.GetBooking().GetBookingId(), Kind: booking.GatewayRefunded, TransactionID: tr.ID, RefundOf: chargeOf(rec), Amount: tr.Amount}})
			}
		case 5: // the echo of one of our refunds is queued (the processor reports it too)
			rec := pick()
			if rec == nil {
				continue
			}
			ledger, _ := core.Ledger(ctx, rec.GetBooking().GetBookingId())
			for _, e := range ledger {
				if e.GetKind() == bsv1.LedgerEntry_KIND_REFUND && r.IntN(2) == 0 {
					queue = append(queue, event{booking.GatewayEvent{Gateway: "sandbox", MerchantID: "m1", DedupeKey: "evt-" + e.GetProcessorId(),
						BookingID: e.GetBookingId(), Kind: booking.GatewayRefunded, TransactionID: e.GetProcessorId(), RefundOf: e.GetRefundOf(),
						Amount: booking.Money{Micros: e.GetAmountMicros(), Currency: e.GetCurrency()}}})
				}
			}
		case 6: // a webhook delivered, in any order, sometimes again later
			if len(queue) == 0 {
				continue
			}
			i := r.IntN(len(queue))
			out, err := core.ApplyGatewayEvent(ctx, queue[i].GatewayEvent)
			log = append(log, fmt.Sprintf("%d webhook %s: %s %v", step, queue[i].DedupeKey, out, err))
			if err == nil && r.IntN(3) > 0 { // an error is answered 503: the gateway delivers it again
				queue = append(queue[:i], queue[i+1:]...)
			}
		case 7: // a crash: a new core on the same store recovers
			core = newCore()
			n, err := core.Recover(ctx)
			log = append(log, fmt.Sprintf("%d crash, recovered %d: %v", step, n, err))
		case 8: // the periodic recovery of pending refunds
			inject()
			left, err := core.ResolvePendingRefunds(ctx, 0)
			log = append(log, fmt.Sprintf("%d resolve refunds, %d left: %v", step, left, err))
		}
		checkLedgerWithin(t, seed, log, bookings(), proc)
	}
	// Failures stop; recovery runs; every webhook arrives.
	proc.DropNext(0)
	proc.FailNext(0)
	core = newCore()
	if _, err := core.Recover(ctx); err != nil {
		fail("final recover", err)
	}
	if left, err := core.ResolvePendingRefunds(ctx, 0); err != nil || left != 0 {
		fail(fmt.Sprintf("final resolve (%d left)", left), err)
	}
	for _, ev := range queue {
		if _, err := core.ApplyGatewayEvent(ctx, ev.GatewayEvent); err != nil {
			fail("final webhook "+ev.DedupeKey, err)
		}
	}
	for _, rec := range bookings() {
		id, p := rec.GetBooking().GetBookingId(), rec.GetPayment()
		got := proc.Totals(id)
		if p.GetCapturedMicros() != got.Captured.Micros || p.GetRefundedMicros() != got.Refunded.Micros {
			t.Fatalf("seed %d: booking %s: ledger captured %d refunded %d, processor %d/%d\nsteps:\n%v", seed, id,
				p.GetCapturedMicros(), p.GetRefundedMicros(), got.Captured.Micros, got.Refunded.Micros, log)
		}
		st := rec.GetBooking().GetStatus()
		switch {
		case p.GetState() == bsv1.PaymentState_PAYMENT_STATE_PENDING || len(p.GetPendingRefunds()) > 0:
			t.Fatalf("seed %d: booking %s still pending after recovery: %v\nsteps:\n%v", seed, id, p, log)
		case booking.HoldsSpot(st) != (st == acv3.BookingStatus_CONFIRMED):
			t.Fatalf("seed %d: booking %s is %v and holds a spot: %v", seed, id, st, booking.HoldsSpot(st))
		case st == acv3.BookingStatus_CONFIRMED && p.GetCapturedMicros() < p.GetChargeMicros():
			t.Fatalf("seed %d: booking %s CONFIRMED with %d of %d collected", seed, id, p.GetCapturedMicros(), p.GetChargeMicros())
		}
	}
	// Nothing was charged for a booking that does not exist (declines leave none).
	for _, c := range proc.Charges() {
		found := false
		for _, rec := range bookings() {
			found = found || rec.GetBooking().GetBookingId() == c.BookingID
		}
		if !found && c.Captured.Micros > 0 {
			t.Fatalf("seed %d: %s captured for booking %s, which is gone\nsteps:\n%v", seed, c.Captured, c.BookingID, log)
		}
	}
}

// checkLedgerWithin checks the invariant that holds at every step: the ledger never
// records more than the processor did.
func checkLedgerWithin(t *testing.T, seed uint64, log []string, recs []*bsv1.BookingRecord, proc *sandbox.Processor) {
	t.Helper()
	for _, rec := range recs {
		id, p := rec.GetBooking().GetBookingId(), rec.GetPayment()
		got := proc.Totals(id)
		if p.GetCapturedMicros() > got.Captured.Micros || p.GetRefundedMicros() > got.Refunded.Micros || p.GetRefundedMicros() > p.GetCapturedMicros() {
			t.Fatalf("seed %d: booking %s: ledger captured %d refunded %d beyond the processor's %d/%d\nsteps:\n%v", seed, id,
				p.GetCapturedMicros(), p.GetRefundedMicros(), got.Captured.Micros, got.Refunded.Micros, log)
		}
	}
}
