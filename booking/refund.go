package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Refunds are two-phase, so that what the ledger says was refunded is what the
// processor did on every path:
//
//  1. plan: in one transaction the refund is split over the booking's charges and
//     written as pending refunds (BookingPayment.pending_refunds), each with its
//     request id, amount and idempotency key; their amounts cannot be refunded again;
//  2. call: each is sent to its processor, outside any transaction;
//  3. settle: the answer's refund id is recorded in the ledger (once per refund id,
//     whoever reports it first: our answer or the gateway's notification) and the
//     pending refund removed; a refusal removes it and records nothing.
//
// An unknown outcome (timeout, dropped connection, 5xx) leaves the refund pending. It
// is resolved by asking the processor and never by a second refund: a processor that
// honours idempotency keys (Stripe, Worldline, the sandbox) is asked again with the
// same key, which answers the refund it made, if any; one that does not (imoje) is
// never sent it twice: its refund lookup is asked which refunds it made (askRefund),
// as is one whose key is older than the processor keeps it (IdempotencyKeyTrustSec),
// and its refund notification, if it comes first, settles the pending refund. A
// request retried with the same request id refunds only what it has not refunded or
// left pending.

// refundLeft is, per charge or fee (processor id), what may still be refunded:
// captured, minus refunds recorded and pending, plus refunds the processor reversed.
func refundLeft(ledger []*bsv1.LedgerEntry, pending []*bsv1.PendingRefund) (left map[string]int64, order []*bsv1.LedgerEntry) {
	left = map[string]int64{}
	for _, e := range ledger {
		switch e.GetKind() {
		case bsv1.LedgerEntry_KIND_CHARGE, bsv1.LedgerEntry_KIND_FEE:
			left[e.GetProcessorId()] += e.GetAmountMicros()
			order = append(order, e)
		case bsv1.LedgerEntry_KIND_REFUND:
			left[e.GetRefundOf()] -= e.GetAmountMicros()
		case bsv1.LedgerEntry_KIND_REFUND_REVERSED:
			left[e.GetRefundOf()] += e.GetAmountMicros()
		}
	}
	for _, p := range pending {
		left[p.GetRefundOf()] -= p.GetAmountMicros()
	}
	return left, order
}

// refundPlan splits amount over the booking's charges and fees, oldest first, each up
// to what is left of it.
func refundPlan(ledger []*bsv1.LedgerEntry, pending []*bsv1.PendingRefund, amount int64) []*bsv1.LedgerEntry {
	left, order := refundLeft(ledger, pending)
	var plan []*bsv1.LedgerEntry
	for _, c := range order {
		if amount == 0 {
			break
		}
		n := min(amount, left[c.GetProcessorId()])
		if n <= 0 {
			continue
		}
		amount -= n
		left[c.GetProcessorId()] -= n
		plan = append(plan, &bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_REFUND, BookingId: c.GetBookingId(), AmountMicros: n,
			Currency: c.GetCurrency(), Processor: c.GetProcessor(), RefundOf: c.GetProcessorId()})
	}
	return plan
}

// ledgerOf reads a booking's ledger.
func ledgerOf(tx ReadTx, bookingID string) ([]*bsv1.LedgerEntry, error) {
	var out []*bsv1.LedgerEntry
	err := tx.Ledger(bookingID, func(e *bsv1.LedgerEntry) bool {
		out = append(out, e)
		return true
	})
	return out, err
}

// requested is what requestID has refunded (net of reversals) or left pending.
func requested(rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, requestID string) int64 {
	var n int64
	refundOf := map[string]string{} // refund id → request id
	claimed := rec.GetPayment().GetRefundRequests()
	for _, e := range ledger {
		switch e.GetKind() {
		case bsv1.LedgerEntry_KIND_REFUND:
			req := e.GetRequestId()
			if req == "" {
				req = claimed[e.GetProcessorId()]
			}
			refundOf[e.GetProcessorId()] = req
			if req == requestID {
				n += e.GetAmountMicros()
			}
		case bsv1.LedgerEntry_KIND_REFUND_REVERSED:
			if refundOf[e.GetProcessorId()] == requestID {
				n -= e.GetAmountMicros()
			}
		}
	}
	for _, p := range rec.GetPayment().GetPendingRefunds() {
		if p.GetRequestId() == requestID {
			n += p.GetAmountMicros()
		}
	}
	return n
}

// refund makes the refunds of requestID add up to what want says, given what the
// request has already refunded or left pending (0 when nothing more is to go back),
// and returns what the request has refunded in all. The caller holds the booking's
// lock. A refund whose outcome stays unknown answers ErrUnavailable and stays pending:
// retrying the request resolves it first and never refunds twice.
func (s *Service) refund(ctx context.Context, id, requestID, reason string, want func(rec *bsv1.BookingRecord, already int64) (int64, error)) (int64, error) {
	if err := s.resolveRefunds(ctx, id, func(p *bsv1.PendingRefund) bool { return p.GetRequestId() == requestID }); err != nil {
		return 0, err
	}
	var (
		todo []*bsv1.PendingRefund
		rec  *bsv1.BookingRecord
	)
	err := s.store.Update(ctx, func(tx Tx) error {
		todo = nil
		var err error
		if rec, err = tx.Booking(id); err != nil {
			return err
		}
		ledger, err := ledgerOf(tx, id)
		if err != nil {
			return err
		}
		amount, err := want(rec, requested(rec, ledger, requestID))
		if err != nil || amount <= 0 {
			return err
		}
		p := rec.GetPayment()
		plan := refundPlan(ledger, p.GetPendingRefunds(), amount)
		if len(rec.GetPayment().GetGateway().GetLegs()) > 0 && s.gateways != nil {
			// A split tender is refunded in the order the gateway adapter documents.
			if plan, err = s.gateways.PlanRefund(rec, withPending(ledger, p.GetPendingRefunds()), amount); err != nil {
				return err
			}
		}
		now := s.now().Unix()
		for _, e := range plan {
			pr := &bsv1.PendingRefund{RequestId: requestID, IdempotencyKey: id + ":refund:" + requestID + ":" + randomHex(6),
				Processor: e.GetProcessor(), RefundOf: e.GetRefundOf(), AmountMicros: e.GetAmountMicros(), Currency: e.GetCurrency(),
				Reason: reason, CreatedUnix: now}
			p.PendingRefunds = append(p.PendingRefunds, pr)
			todo = append(todo, pr)
		}
		return tx.PutBooking(rec)
	})
	if err != nil {
		return 0, err
	}
	for _, pr := range todo {
		if err := s.sendRefund(ctx, rec, pr); err != nil {
			return 0, err
		}
	}
	var done int64
	err = s.store.View(ctx, func(tx ReadTx) error {
		ledger, err := ledgerOf(tx, id)
		if err != nil {
			return err
		}
		r, err := tx.Booking(id)
		done = requested(r, ledger, requestID)
		return err
	})
	return done, err
}

// withPending is ledger with pending refunds added as refunds, for planners that only
// read a ledger.
func withPending(ledger []*bsv1.LedgerEntry, pending []*bsv1.PendingRefund) []*bsv1.LedgerEntry {
	out := slices.Clone(ledger)
	for _, p := range pending {
		out = append(out, &bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_REFUND, AmountMicros: p.GetAmountMicros(), Currency: p.GetCurrency(),
			Processor: p.GetProcessor(), RefundOf: p.GetRefundOf()})
	}
	return out
}

// sendRefund makes the processor call of pending refund pr and records its answer. A
// refusal removes it and is returned; an unknown outcome keeps it and answers
// ErrUnavailable.
func (s *Service) sendRefund(ctx context.Context, rec *bsv1.BookingRecord, pr *bsv1.PendingRefund) error {
	id := rec.GetBooking().GetBookingId()
	if pr.GetProcessor() == CartProcessor {
		// Money collected in the shop's cart goes back through the shop: the refund
		// is recorded here, under its idempotency key.
		return s.settleRefund(ctx, id, pr.GetIdempotencyKey(), pr.GetIdempotencyKey(), pr.GetReason()+" (refunded by the shop)")
	}
	amount := Money{Micros: pr.GetAmountMicros(), Currency: pr.GetCurrency()}
	t, err := s.refundAt(ctx, rec, pr.GetProcessor(), RefundRequest{ChargeID: pr.GetRefundOf(), Amount: amount, IdempotencyKey: pr.GetIdempotencyKey()})
	switch {
	case err == nil:
		return s.settleRefund(ctx, id, pr.GetIdempotencyKey(), t.ID, pr.GetReason())
	case refused(err):
		if derr := s.dropRefund(ctx, id, pr.GetIdempotencyKey()); derr != nil {
			return derr
		}
		return fmt.Errorf("refund %s of %s refused by %s: %w", amount, pr.GetRefundOf(), pr.GetProcessor(), err)
	}
	slog.WarnContext(ctx, "refund outcome unknown; it stays pending until the processor is asked", "booking_id", id,
		"processor", pr.GetProcessor(), "refund_of", pr.GetRefundOf(), "amount", amount.String(), "err", err)
	return fmt.Errorf("refund %s of %s: outcome unknown, pending (never sent twice): %v: %w", amount, pr.GetRefundOf(), err, ErrUnavailable)
}

// refused reports whether a processor error is a definite "no": nothing was refunded.
// Anything else (network, timeout, 5xx, an answer we could not read) may have refunded.
func refused(err error) bool {
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, ErrInvalid) || errors.Is(err, ErrConflict) || errors.Is(err, ErrDeclined) || errors.Is(err, ErrNotFound)
}

// refundAt refunds one charge through whoever took it: the merchant's hosted gateway
// account, or the server's card processor.
func (s *Service) refundAt(ctx context.Context, rec *bsv1.BookingRecord, processor string, req RefundRequest) (Transaction, error) {
	switch {
	case isGateway(processor) && s.gateways != nil:
		return s.gateways.Refund(ctx, rec.GetBooking().GetSlot().GetMerchantId(), processor, req)
	case s.processor == nil || s.processor.Name() != processor:
		return Transaction{}, fmt.Errorf("refund of a %q payment: that processor is not configured: %w", processor, ErrUnavailable)
	}
	return s.processor.Refund(ctx, req)
}

// idempotentRefunds reports whether processor answers a refund repeated with the same
// idempotency key with the refund it made (so asking again is safe).
func (s *Service) idempotentRefunds(processor string) bool {
	if isGateway(processor) {
		return s.gateways != nil && s.gateways.IdempotentRefunds(processor)
	}
	return s.processor != nil && s.processor.Name() == processor
}

// resolveRefunds resolves the booking's pending refunds that match: each is asked of a
// processor that honours idempotency keys by sending it again with its key (which
// answers the refund made, if any); a gateway without them (imoje), or a processor
// with a lookup once the key is too old to trust, is asked which refunds it made
// (askRefund). The caller holds the booking's lock.
func (s *Service) resolveRefunds(ctx context.Context, id string, match func(*bsv1.PendingRefund) bool) error {
	rec, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	for _, pr := range slices.Clone(rec.GetPayment().GetPendingRefunds()) {
		if !match(pr) {
			continue
		}
		stale := pr.GetProcessor() != CartProcessor && s.idempotentRefunds(pr.GetProcessor()) && s.now().Unix()-pr.GetCreatedUnix() > IdempotencyKeyTrustSec
		switch {
		case stale && s.canLookupRefunds(pr.GetProcessor()):
			if err := s.askRefund(ctx, rec, pr); err != nil { // its key is too old to trust: ask which refunds were made
				return err
			}
		case stale:
			slog.ErrorContext(ctx, "a refund with an unknown outcome is older than the processor keeps idempotency keys; not sent again (it could refund twice): check it at the processor",
				"booking_id", id, "processor", pr.GetProcessor(), "refund_of", pr.GetRefundOf(), "idempotency_key", pr.GetIdempotencyKey())
			return fmt.Errorf("a refund of %s at %s is pending for longer than its idempotency key is kept; an operator must check it at the processor: %w",
				Money{Micros: pr.GetAmountMicros(), Currency: pr.GetCurrency()}, pr.GetProcessor(), ErrUnavailable)
		case pr.GetProcessor() == CartProcessor || s.idempotentRefunds(pr.GetProcessor()):
			if err := s.sendRefund(ctx, rec, pr); err != nil && !refused(err) {
				return err // still unknown; a refusal is an outcome: nothing was refunded
			}
		case isGateway(pr.GetProcessor()) && s.gateways != nil:
			if err := s.askRefund(ctx, rec, pr); err != nil {
				return err
			}
		default:
			return fmt.Errorf("a refund of %s at %s has an unknown outcome and nobody to ask; it stays pending: %w",
				Money{Micros: pr.GetAmountMicros(), Currency: pr.GetCurrency()}, pr.GetProcessor(), ErrUnavailable)
		}
	}
	return nil
}

// IdempotencyKeyTrustSec is how long after a refund was first sent its idempotency
// key is trusted to name it: Stripe keeps keys for 24 hours, after which the same key
// makes a new refund. A pending refund older than this is never sent again: it is
// looked up where the processor can be asked (Stripe, the gateways), else left to an
// operator.
const IdempotencyKeyTrustSec = 23 * 3600

// ResolvePendingRefunds asks the processors about every pending refund older than
// minAge (so calls in flight are left alone) and records the answers; run it
// periodically. It returns how many bookings still have refunds pending.
func (s *Service) ResolvePendingRefunds(ctx context.Context, minAge int64) (left int, err error) {
	var ids []string
	err = s.store.View(ctx, func(tx ReadTx) error {
		return tx.PendingRefunds(func(r *bsv1.BookingRecord) bool {
			ids = append(ids, r.GetBooking().GetBookingId())
			return true
		})
	})
	if err != nil {
		return 0, err
	}
	cutoff := s.now().Unix() - minAge
	for _, id := range ids {
		unlock, err := s.bookings.LockContext(ctx, id)
		if err != nil {
			return left, err
		}
		err = s.resolveRefunds(ctx, id, func(p *bsv1.PendingRefund) bool { return p.GetCreatedUnix() <= cutoff })
		unlock()
		if err != nil {
			slog.WarnContext(ctx, "pending refund not resolved yet", "booking_id", id, "err", err)
			left++
		}
	}
	return left, nil
}

// takePending removes and returns rec's pending refund with idempotency key, or nil.
func takePending(rec *bsv1.BookingRecord, key string) *bsv1.PendingRefund {
	p := rec.GetPayment()
	for i, pr := range p.GetPendingRefunds() {
		if pr.GetIdempotencyKey() == key {
			p.PendingRefunds = slices.Delete(p.PendingRefunds, i, i+1)
			return pr
		}
	}
	return nil
}

// settleRefund records the answer refundID of the pending refund with idempotency key.
func (s *Service) settleRefund(ctx context.Context, id, key, refundID, reason string) error {
	return s.store.Update(ctx, func(tx Tx) error {
		rec, err := tx.Booking(id)
		if err != nil {
			return err
		}
		pr := takePending(rec, key)
		if pr == nil {
			return nil // settled meanwhile (its notification came first)
		}
		ledger, err := ledgerOf(tx, id)
		if err != nil {
			return err
		}
		if err := s.recordRefund(tx, rec, ledger, pr, refundID, reason); err != nil {
			return err
		}
		return tx.PutBooking(rec)
	})
}

// dropRefund removes a pending refund the processor refused.
func (s *Service) dropRefund(ctx context.Context, id, key string) error {
	return s.store.Update(ctx, func(tx Tx) error {
		rec, err := tx.Booking(id)
		if err != nil {
			return err
		}
		if takePending(rec, key) == nil {
			return nil
		}
		return tx.PutBooking(rec)
	})
}

// recordRefund writes the refund refundID of pr to the ledger and rec's totals (the
// caller puts rec), unless the ledger has it already: a refund id is recorded once,
// whoever reports it. A booking whose captured money is all returned reports
// PREPAYMENT_REFUNDED.
func (s *Service) recordRefund(tx Tx, rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, pr *bsv1.PendingRefund, refundID, reason string) error {
	if hasEntry(ledger, bsv1.LedgerEntry_KIND_REFUND, refundID) {
		// Reported by the gateway first: it is this request's refund.
		if pr.GetRequestId() != "" {
			p := rec.GetPayment()
			if p.RefundRequests == nil {
				p.RefundRequests = map[string]string{}
			}
			p.RefundRequests[refundID] = pr.GetRequestId()
		}
		return nil
	}
	e := &bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_REFUND, BookingId: rec.GetBooking().GetBookingId(), AmountMicros: pr.GetAmountMicros(),
		Currency: pr.GetCurrency(), Processor: pr.GetProcessor(), ProcessorId: refundID, RefundOf: pr.GetRefundOf(), Reason: reason,
		RequestId: pr.GetRequestId(), AtUnix: s.now().Unix()}
	if err := tx.AppendLedger(e); err != nil {
		return err
	}
	p := rec.GetPayment()
	p.RefundedMicros += e.GetAmountMicros()
	if p.GetRefundedMicros() > p.GetCapturedMicros() {
		return fmt.Errorf("booking %s: refunded %d > captured %d: broken invariant", rec.GetBooking().GetBookingId(), p.GetRefundedMicros(), p.GetCapturedMicros())
	}
	if p.GetRefundedMicros() == p.GetCapturedMicros() {
		rec.GetBooking().GetPaymentInformation().PrepaymentStatus = acv3.PrepaymentStatus_PREPAYMENT_REFUNDED
	}
	if p.GetCart().GetRefundDue() && outstanding(rec) <= kept(rec) {
		p.Cart.RefundDue = false // what was not owed went back: nothing is due any more
	}
	rec.UpdatedUnix = s.now().Unix()
	return nil
}

// kept is what a booking may keep of its captured money: the charge of one that takes
// place, nothing of one that does not.
func kept(rec *bsv1.BookingRecord) int64 {
	if HoldsSpot(rec.GetBooking().GetStatus()) {
		return rec.GetPayment().GetChargeMicros()
	}
	return 0
}

// outstanding is what was captured and is neither refunded nor being refunded.
func outstanding(rec *bsv1.BookingRecord) int64 {
	p := rec.GetPayment()
	n := p.GetCapturedMicros() - p.GetRefundedMicros()
	for _, pr := range p.GetPendingRefunds() {
		n -= pr.GetAmountMicros()
	}
	return n
}
