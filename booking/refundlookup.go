package booking

import (
	"context"
	"fmt"
	"log/slog"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// RefundLookup describes a refund of ours whose answer was lost, for
// HostedGateways.LookupRefund and RefundLookuper.
type RefundLookup struct {
	// IdempotencyKey is the pending refund's key: a processor that stores it with the
	// refund (Stripe, as metadata) finds the refund by it.
	IdempotencyKey string
	// ChargeID is the charge it returns; Amount what it returns.
	ChargeID string
	Amount   Money
	// SinceUnix: refunds the gateway created before it are not this one.
	SinceUnix int64
	// Recorded are the refund ids the ledger has: none of them is this one.
	Recorded []string
}

// RefundLookuper is a Processor that can say which refund, if any, it made for one of
// ours whose answer was lost (Stripe lists a PaymentIntent's refunds). A pending
// refund older than its idempotency key is kept (IdempotencyKeyTrustSec) is resolved
// by asking it, instead of waiting for an operator.
type RefundLookuper interface {
	LookupRefund(ctx context.Context, q RefundLookup) (RefundFound, error)
}

// RefundOutcome is what a gateway says became of a refund.
type RefundOutcome int

const (
	// RefundNotFound: the gateway has no such refund (not yet, or never).
	RefundNotFound RefundOutcome = iota
	// RefundMade: the gateway made it (settled or on its way); Transaction names it.
	RefundMade
	// RefundRejected: the gateway made it and rejected it: nothing was returned.
	RefundRejected
)

// RefundFound is LookupRefund's answer.
type RefundFound struct {
	Outcome RefundOutcome
	// Transaction is the gateway's refund when Outcome is RefundMade.
	Transaction
}

// Waits of a refund lookup, in seconds.
const (
	// refundClockSlackSec widens SinceUnix for the gateway's clock being behind ours.
	refundClockSlackSec = 60
	// RefundLookupGraceSec is how long a refund may take to show at the gateway: one
	// not found this long after it was sent was never made, and is dropped (the
	// request may then be retried); before that it stays pending.
	RefundLookupGraceSec = 300
)

// lookupRefund asks whoever took the charge (the merchant's hosted gateway account, or
// the server's card processor) which refund it made for q.
func (s *Service) lookupRefund(ctx context.Context, rec *bsv1.BookingRecord, processor string, q RefundLookup) (RefundFound, error) {
	if isGateway(processor) {
		return s.gateways.LookupRefund(ctx, rec.GetBooking().GetSlot().GetMerchantId(), processor, q)
	}
	return s.processor.(RefundLookuper).LookupRefund(ctx, q)
}

// canLookupRefunds reports whether lookupRefund can ask processor.
func (s *Service) canLookupRefunds(processor string) bool {
	if isGateway(processor) {
		return s.gateways != nil
	}
	_, ok := s.processor.(RefundLookuper)
	return ok && s.processor.Name() == processor
}

// askRefund resolves pending refund pr at a processor without (trustworthy)
// idempotency keys by asking it, never by sending pr again: a refund it made settles pr under the
// gateway's refund id; one it rejected, or none this long after pr was sent, drops pr
// (nothing was returned); otherwise pr stays pending and ErrUnavailable is answered.
// The caller holds the booking's lock.
func (s *Service) askRefund(ctx context.Context, rec *bsv1.BookingRecord, pr *bsv1.PendingRefund) error {
	id := rec.GetBooking().GetBookingId()
	q := RefundLookup{IdempotencyKey: pr.GetIdempotencyKey(), ChargeID: pr.GetRefundOf(), Amount: Money{Micros: pr.GetAmountMicros(), Currency: pr.GetCurrency()},
		SinceUnix: pr.GetCreatedUnix() - refundClockSlackSec}
	err := s.store.View(ctx, func(tx ReadTx) error {
		return tx.Ledger(id, func(e *bsv1.LedgerEntry) bool {
			if e.GetKind() == bsv1.LedgerEntry_KIND_REFUND {
				q.Recorded = append(q.Recorded, e.GetProcessorId())
			}
			return true
		})
	})
	if err != nil {
		return err
	}
	found, err := s.lookupRefund(ctx, rec, pr.GetProcessor(), q)
	if err != nil {
		return fmt.Errorf("asking %s about a refund of %s with an unknown outcome (it stays pending): %v: %w", pr.GetProcessor(), q.Amount, err, ErrUnavailable)
	}
	switch {
	case found.Outcome == RefundMade:
		return s.settleRefund(ctx, id, pr.GetIdempotencyKey(), found.ID, pr.GetReason())
	case found.Outcome == RefundRejected:
		slog.WarnContext(ctx, "a refund with an unknown outcome was rejected by the gateway; dropped", "booking_id", id, "processor", pr.GetProcessor(), "amount", q.Amount.String())
		return s.dropRefund(ctx, id, pr.GetIdempotencyKey())
	case s.now().Unix()-pr.GetCreatedUnix() >= RefundLookupGraceSec:
		slog.WarnContext(ctx, "a refund with an unknown outcome is not at the gateway; it was never made and is dropped", "booking_id", id,
			"processor", pr.GetProcessor(), "amount", q.Amount.String())
		return s.dropRefund(ctx, id, pr.GetIdempotencyKey())
	}
	return fmt.Errorf("a refund of %s at %s is not at the gateway yet; it stays pending (never sent twice): %w", q.Amount, pr.GetProcessor(), ErrUnavailable)
}
