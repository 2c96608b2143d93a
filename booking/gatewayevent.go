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

// GatewayEventKind is what a verified gateway webhook reports.
type GatewayEventKind int

const (
	// GatewayPending: nothing final yet; only the dedupe mark is written.
	GatewayPending GatewayEventKind = iota
	// GatewayCollected: a payment (or one split-tender leg) is the merchant's money,
	// including pay-later methods where the gateway pays the merchant at once.
	GatewayCollected
	// GatewayFailed: the payment was rejected or cancelled; a hold is released.
	GatewayFailed
	// GatewayRefunded: a refund settled, ours (an echo) or made in the gateway's back office.
	GatewayRefunded
	// GatewayRefundFailed: the gateway rejected a refund (imoje "rejected", Stripe
	// "failed"/"canceled"): if it was recorded, it is reversed (the money stays with
	// the merchant); if it was pending, it is dropped.
	GatewayRefundFailed
)

// String names the kind for logs and metrics.
func (k GatewayEventKind) String() string {
	switch k {
	case GatewayCollected:
		return "collected"
	case GatewayFailed:
		return "failed"
	case GatewayRefunded:
		return "refunded"
	case GatewayRefundFailed:
		return "refund_failed"
	}
	return "pending"
}

// GatewayEvent is one verified webhook effect, in the core's terms.
type GatewayEvent struct {
	// Gateway is the processor name ("imoje", "worldline", "stripe"); MerchantID is the
	// merchant whose account verified the signature.
	Gateway, MerchantID string
	// DedupeKey identifies the event at the gateway; an event seen before changes nothing.
	DedupeKey string
	// BookingID is the booking the payment belongs to.
	BookingID string
	// Kind is what happened.
	Kind GatewayEventKind
	// TransactionID is the gateway's payment id (collected) or refund id (refunded).
	TransactionID string
	// RefundOf is, for a refund, the payment it returns; empty means the booking's only
	// charge of this gateway.
	RefundOf string
	// Amount is what moved.
	Amount Money
	// GiftCard is set when a collected leg was paid with a gift card.
	GiftCard bool
}

// GatewayOutcome says what ApplyGatewayEvent did.
type GatewayOutcome string

// Outcomes of ApplyGatewayEvent.
const (
	// OutcomeApplied: the event changed the booking or its ledger.
	OutcomeApplied GatewayOutcome = "applied"
	// OutcomeDuplicate: the event was applied before; nothing changed.
	OutcomeDuplicate GatewayOutcome = "duplicate"
	// OutcomeIgnored: the event needs no change (an echo of our own refund, a pending
	// status, a payment already recorded) or cannot be applied (logged).
	OutcomeIgnored GatewayOutcome = "ignored"
)

// ErrOutOfOrder: a refund arrived before the payment it returns; the gateway should
// deliver it again later (the server answers 503).
var ErrOutOfOrder = fmt.Errorf("refund reported before its payment: %w", ErrUnavailable)

// webhookKey is the dedupe key of ev in the webhook bucket.
func webhookKey(ev GatewayEvent) string {
	return ev.Gateway + "\x00" + ev.MerchantID + "\x00" + ev.DedupeKey
}

// ApplyGatewayEvent applies a verified webhook event under the booking's lock, in one
// transaction with its dedupe mark, so an event takes effect exactly once however often
// it is delivered. Our own refunds are recorded under the same lock before their echo
// can be applied, and an echo (a refund id already in the ledger) changes nothing, so
// no refund is ever counted twice; no refund is recorded beyond what its charge has left.
func (s *Service) ApplyGatewayEvent(ctx context.Context, ev GatewayEvent) (GatewayOutcome, error) {
	if ev.Gateway == "" || ev.DedupeKey == "" || ev.BookingID == "" {
		return "", fmt.Errorf("gateway event needs gateway, dedupe key and booking id: %w", ErrInvalid)
	}
	unlock, err := s.bookings.LockContext(ctx, ev.BookingID)
	if err != nil {
		return "", err
	}
	defer unlock()
	var out GatewayOutcome
	err = s.store.Update(ctx, func(tx Tx) error {
		out = OutcomeIgnored
		key := webhookKey(ev)
		if seen, err := tx.WebhookSeen(key); err != nil || seen {
			out = OutcomeDuplicate
			return err
		}
		rec, err := tx.Booking(ev.BookingID)
		if errors.Is(err, ErrNotFound) {
			slog.WarnContext(ctx, "gateway webhook for an unknown booking ignored", "gateway", ev.Gateway, "booking_id", ev.BookingID)
			return tx.MarkWebhook(key, s.now().Unix())
		}
		if err != nil {
			return err
		}
		if rec.GetBooking().GetSlot().GetMerchantId() != ev.MerchantID || rec.GetPayment().GetProcessor() != ev.Gateway {
			slog.WarnContext(ctx, "gateway webhook for another merchant's or gateway's booking ignored", "gateway", ev.Gateway, "merchant_id", ev.MerchantID, "booking_id", ev.BookingID)
			return tx.MarkWebhook(key, s.now().Unix())
		}
		ledger, err := ledgerOf(tx, ev.BookingID)
		if err != nil {
			return err
		}
		var applied bool
		switch ev.Kind {
		case GatewayCollected:
			applied, err = s.collectLeg(ctx, tx, rec, ledger, ev)
		case GatewayFailed:
			applied, err = s.failHold(tx, rec)
		case GatewayRefunded:
			applied, err = s.recordGatewayRefund(ctx, tx, rec, ledger, ev)
		case GatewayRefundFailed:
			applied, err = s.reverseRefund(ctx, tx, rec, ledger, ev)
		}
		if err != nil {
			return err
		}
		if applied {
			out = OutcomeApplied
		}
		return tx.MarkWebhook(key, s.now().Unix())
	})
	return out, err
}

// hasEntry reports whether the ledger has an entry of kind with processor id.
func hasEntry(ledger []*bsv1.LedgerEntry, kind bsv1.LedgerEntry_Kind, processorID string) bool {
	for _, e := range ledger {
		if e.GetKind() == kind && e.GetProcessorId() == processorID {
			return true
		}
	}
	return false
}

// collectLeg records a collected gateway payment (or split-tender leg) and settles the
// hold once the legs sum to the price. A payment already in the ledger (pay-later's
// "authorized" and then "settled") is recorded once.
func (s *Service) collectLeg(ctx context.Context, tx Tx, rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, ev GatewayEvent) (bool, error) {
	p := rec.GetPayment()
	if hasEntry(ledger, bsv1.LedgerEntry_KIND_CHARGE, ev.TransactionID) {
		return false, nil
	}
	if p.GetState() == bsv1.PaymentState_PAYMENT_STATE_PENDING {
		return false, nil // our own charge, in flight: its answer (or the recovery) records it
	}
	if p.GetState() != bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART || p.GetGateway() == nil ||
		ev.Amount.Currency != p.GetCurrency() || !assignLeg(p, ev) {
		return true, s.unexpectedMoney(ctx, tx, rec, ev)
	}
	if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_CHARGE, BookingId: ev.BookingID, AmountMicros: ev.Amount.Micros,
		Currency: ev.Amount.Currency, Processor: ev.Gateway, ProcessorId: ev.TransactionID, AtUnix: s.now().Unix(), Reason: "collected by " + ev.Gateway}); err != nil {
		return false, err
	}
	p.CapturedMicros += ev.Amount.Micros
	if p.GetCapturedMicros() < p.GetChargeMicros() {
		rec.UpdatedUnix = s.now().Unix()
		return true, tx.PutBooking(rec)
	}
	return true, s.settleHold(tx, rec, ev.TransactionID)
}

// assignLeg matches a collected payment to the booking's plan: the whole price for a
// single payment, else the first unpaid leg of the same kind and amount, which takes
// the payment's id.
func assignLeg(p *bsv1.BookingPayment, ev GatewayEvent) bool {
	legs := p.GetGateway().GetLegs()
	if len(legs) == 0 {
		return ev.Amount.Micros == p.GetChargeMicros()-p.GetCapturedMicros()
	}
	for _, l := range legs {
		if l.GetProcessorId() == "" && l.GetGiftCard() == ev.GiftCard && l.GetAmountMicros() == ev.Amount.Micros {
			l.ProcessorId = ev.TransactionID
			return true
		}
	}
	return false
}

// unexpectedMoney records a payment the booking did not await (a second payment of a
// paid booking, one after a cancel, one that matches no leg): the money is the
// merchant's until it goes back, so it is in the ledger and counted as captured, and
// the booking is flagged refund_due (GET /v1/bookings?state=refund_due) for :refund.
func (s *Service) unexpectedMoney(ctx context.Context, tx Tx, rec *bsv1.BookingRecord, ev GatewayEvent) error {
	p := rec.GetPayment()
	slog.WarnContext(ctx, "unexpected gateway payment recorded; the booking is refund_due", "booking_id", ev.BookingID,
		"transaction_id", ev.TransactionID, "amount", ev.Amount.String(), "state", p.GetState().String())
	if ev.Amount.Currency != p.GetCurrency() {
		return fmt.Errorf("booking %s: payment %s in %s, the booking is in %s: %w", ev.BookingID, ev.TransactionID, ev.Amount.Currency, p.GetCurrency(), ErrInvalid)
	}
	if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_CHARGE, BookingId: ev.BookingID, AmountMicros: ev.Amount.Micros,
		Currency: ev.Amount.Currency, Processor: ev.Gateway, ProcessorId: ev.TransactionID, AtUnix: s.now().Unix(),
		Reason: "unexpected payment collected by " + ev.Gateway + ": refund due"}); err != nil {
		return err
	}
	p.CapturedMicros += ev.Amount.Micros
	if p.Cart == nil {
		p.Cart = &bsv1.CartPayment{}
	}
	p.Cart.RefundDue = true
	rec.UpdatedUnix = s.now().Unix()
	return tx.PutBooking(rec)
}

// failHold notes a failed payment attempt. The customer may try again on the
// gateway's page until the hold expires, so a live hold is kept (the sweeper releases
// it at its deadline, refund_due when a split tender's leg was collected); a hold
// already past its deadline is released now.
func (s *Service) failHold(tx Tx, rec *bsv1.BookingRecord) (bool, error) {
	p := rec.GetPayment()
	if p.GetState() != bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART || !HoldsSpot(rec.GetBooking().GetStatus()) ||
		p.GetCart().GetExpiresUnix() > s.now().Unix() {
		return false, nil
	}
	p.GetCart().Expired = true
	return true, s.expireHold(tx, rec)
}

// recordGatewayRefund records a refund reported by the gateway: the echo of one
// already in the ledger changes nothing; one that answers a pending refund of ours
// (same charge and amount: its answer was lost or is still on its way) settles it;
// any other was made in the gateway's back office. A refund beyond what its charge has
// left is refused.
func (s *Service) recordGatewayRefund(ctx context.Context, tx Tx, rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, ev GatewayEvent) (bool, error) {
	if hasEntry(ledger, bsv1.LedgerEntry_KIND_REFUND, ev.TransactionID) {
		return false, nil // the echo of a refund already recorded
	}
	of, err := refundedCharge(rec, ledger, ev)
	if err != nil {
		return false, err
	}
	p := rec.GetPayment()
	if pr := s.matchPending(rec, of, ev); pr != nil {
		takePending(rec, pr.GetIdempotencyKey())
		return true, s.putRefunded(tx, rec, ledger, pr, ev.TransactionID, pr.GetReason())
	}
	// The gateway refunded it: it is recorded even when our pending refunds had
	// reserved that money (those will be refused, or were never made). Only more than
	// the ledger says is left is not recorded now: that cannot be until a refund of
	// ours still on its way is recorded, so the gateway is asked to deliver it again.
	left, _ := refundLeft(ledger, nil)
	if ev.Amount.Currency != p.GetCurrency() || ev.Amount.Micros <= 0 {
		slog.ErrorContext(ctx, "gateway refund in another currency or not positive; not recorded", "booking_id", ev.BookingID,
			"refund_id", ev.TransactionID, "amount", ev.Amount.String())
		return false, nil
	}
	if ev.Amount.Micros > left[of] {
		return false, fmt.Errorf("booking %s: refund %s of %s exceeds the %d micros the ledger has left: %w", ev.BookingID, ev.TransactionID,
			ev.Amount, left[of], ErrOutOfOrder)
	}
	pr := &bsv1.PendingRefund{Processor: ev.Gateway, RefundOf: of, AmountMicros: ev.Amount.Micros, Currency: ev.Amount.Currency}
	return true, s.putRefunded(tx, rec, ledger, pr, ev.TransactionID, "refunded in the gateway's back office")
}

// matchPending is the pending refund of ours that a gateway's refund notification
// answers: same gateway, charge and amount. Only at a gateway without idempotency keys
// (imoje), where the notification is the only way to learn a lost answer; elsewhere
// the processor is asked with the pending refund's key, which names the refund
// exactly, and a notification that arrives first is recorded by its refund id (the
// answer then finds it in the ledger).
func (s *Service) matchPending(rec *bsv1.BookingRecord, of string, ev GatewayEvent) *bsv1.PendingRefund {
	if s.idempotentRefunds(ev.Gateway) {
		return nil
	}
	for _, pr := range rec.GetPayment().GetPendingRefunds() {
		if pr.GetProcessor() == ev.Gateway && pr.GetRefundOf() == of && pr.GetAmountMicros() == ev.Amount.Micros && pr.GetCurrency() == ev.Amount.Currency {
			return pr
		}
	}
	return nil
}

// refundedCharge is the charge a gateway refund returns: ev.RefundOf, or the booking's
// only charge; ErrOutOfOrder when that charge is not in the ledger yet.
func refundedCharge(rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, ev GatewayEvent) (string, error) {
	of := ev.RefundOf
	var charges []string
	for _, e := range ledger {
		if k := e.GetKind(); k == bsv1.LedgerEntry_KIND_CHARGE || k == bsv1.LedgerEntry_KIND_FEE {
			charges = append(charges, e.GetProcessorId())
		}
	}
	if of == "" && len(charges) == 1 {
		of = charges[0]
	}
	if !slices.Contains(charges, of) {
		return "", fmt.Errorf("booking %s, refund %s of %q: %w", rec.GetBooking().GetBookingId(), ev.TransactionID, of, ErrOutOfOrder)
	}
	return of, nil
}

// putRefunded records refund refundID of pr, writes rec and tells Google when the
// last of the money went back.
func (s *Service) putRefunded(tx Tx, rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, pr *bsv1.PendingRefund, refundID, reason string) error {
	if err := s.recordRefund(tx, rec, ledger, pr, refundID, reason); err != nil {
		return err
	}
	if err := tx.PutBooking(rec); err != nil {
		return err
	}
	if outstanding(rec) == 0 {
		return NotifyGoogle(tx, rec, MaskPrepaymentStatus)
	}
	return nil
}

// reverseRefund applies a refund the gateway rejected: a recorded one is reversed in
// the ledger (KIND_REFUND_REVERSED, the money counts as captured again and the
// prepayment is PROVIDED again); a pending one of ours (same charge and amount) is
// dropped; anything else changes nothing.
func (s *Service) reverseRefund(ctx context.Context, tx Tx, rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, ev GatewayEvent) (bool, error) {
	p := rec.GetPayment()
	var refund *bsv1.LedgerEntry
	for _, e := range ledger {
		switch {
		case e.GetProcessorId() != ev.TransactionID:
		case e.GetKind() == bsv1.LedgerEntry_KIND_REFUND_REVERSED:
			return false, nil // reversed already
		case e.GetKind() == bsv1.LedgerEntry_KIND_REFUND:
			refund = e
		}
	}
	if refund == nil {
		of, err := refundedCharge(rec, ledger, ev)
		if err != nil {
			return false, nil // nothing of ours: nothing to undo
		}
		if pr := s.matchPending(rec, of, ev); pr != nil {
			takePending(rec, pr.GetIdempotencyKey())
			return true, tx.PutBooking(rec)
		}
		return false, nil
	}
	slog.WarnContext(ctx, "gateway rejected a refund; reversed in the ledger", "booking_id", ev.BookingID, "refund_id", ev.TransactionID,
		"amount_micros", refund.GetAmountMicros())
	if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_REFUND_REVERSED, BookingId: ev.BookingID, AmountMicros: refund.GetAmountMicros(),
		Currency: refund.GetCurrency(), Processor: refund.GetProcessor(), ProcessorId: refund.GetProcessorId(), RefundOf: refund.GetRefundOf(),
		RequestId: refund.GetRequestId(), AtUnix: s.now().Unix(), Reason: "refund rejected by " + ev.Gateway}); err != nil {
		return false, err
	}
	p.RefundedMicros -= refund.GetAmountMicros()
	p.ReversedMicros += refund.GetAmountMicros()
	pi := rec.GetBooking().GetPaymentInformation()
	wasRefunded := pi.GetPrepaymentStatus() == acv3.PrepaymentStatus_PREPAYMENT_REFUNDED
	if wasRefunded {
		pi.PrepaymentStatus = acv3.PrepaymentStatus_PREPAYMENT_PROVIDED
	}
	rec.UpdatedUnix = s.now().Unix()
	if err := tx.PutBooking(rec); err != nil {
		return false, err
	}
	if wasRefunded {
		return true, NotifyGoogle(tx, rec, MaskPrepaymentStatus)
	}
	return true, nil
}
