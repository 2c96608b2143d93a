package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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
)

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
	unlock := s.bookings.Lock(ev.BookingID)
	defer unlock()
	var out GatewayOutcome
	err := s.store.Update(ctx, func(tx Tx) error {
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
	if p.GetState() != bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART || p.GetGateway() == nil {
		slog.WarnContext(ctx, "gateway payment for a booking not awaiting one ignored", "booking_id", ev.BookingID, "state", p.GetState().String())
		return false, nil
	}
	if ev.Amount.Currency != p.GetCurrency() || !assignLeg(p, ev) {
		slog.ErrorContext(ctx, "gateway payment does not match the booking's amount or legs; not recorded", "booking_id", ev.BookingID,
			"transaction_id", ev.TransactionID, "amount", ev.Amount.String())
		return false, nil
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

// failHold releases a booking whose gateway payment failed while nothing was collected.
func (s *Service) failHold(tx Tx, rec *bsv1.BookingRecord) (bool, error) {
	p := rec.GetPayment()
	if p.GetState() != bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART || !HoldsSpot(rec.GetBooking().GetStatus()) {
		return false, nil
	}
	if p.GetCapturedMicros() > 0 {
		p.GetCart().RefundDue = true // part of a split tender was paid: it goes back
	}
	return true, s.release(tx, rec, acv3.BookingStatus_CANCELED)
}

// recordGatewayRefund records a refund reported by the gateway, unless it is the echo
// of one already in the ledger; a refund beyond what its charge has left is refused.
func (s *Service) recordGatewayRefund(ctx context.Context, tx Tx, rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, ev GatewayEvent) (bool, error) {
	if hasEntry(ledger, bsv1.LedgerEntry_KIND_REFUND, ev.TransactionID) {
		return false, nil // the echo of a refund already recorded
	}
	of := ev.RefundOf
	left := map[string]int64{}
	var charges []string
	for _, e := range ledger {
		switch e.GetKind() {
		case bsv1.LedgerEntry_KIND_CHARGE, bsv1.LedgerEntry_KIND_FEE:
			left[e.GetProcessorId()] += e.GetAmountMicros()
			charges = append(charges, e.GetProcessorId())
		case bsv1.LedgerEntry_KIND_REFUND:
			left[e.GetRefundOf()] -= e.GetAmountMicros()
		}
	}
	if of == "" && len(charges) == 1 {
		of = charges[0]
	}
	if _, ok := left[of]; !ok {
		return false, fmt.Errorf("booking %s, refund %s of %q: %w", ev.BookingID, ev.TransactionID, of, ErrOutOfOrder)
	}
	if ev.Amount.Currency != rec.GetPayment().GetCurrency() || ev.Amount.Micros <= 0 || ev.Amount.Micros > left[of] {
		slog.ErrorContext(ctx, "gateway refund exceeds what its charge has left; not recorded", "booking_id", ev.BookingID,
			"refund_id", ev.TransactionID, "amount", ev.Amount.String(), "left_micros", left[of])
		return false, nil
	}
	e := &bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_REFUND, BookingId: ev.BookingID, AmountMicros: ev.Amount.Micros, Currency: ev.Amount.Currency,
		Processor: ev.Gateway, ProcessorId: ev.TransactionID, RefundOf: of, Reason: "refunded in the gateway's back office"}
	if err := s.recordRefunds(tx, rec, []*bsv1.LedgerEntry{e}); err != nil {
		return false, err
	}
	rec.UpdatedUnix = s.now().Unix()
	if err := tx.PutBooking(rec); err != nil {
		return false, err
	}
	if outstanding(rec) == 0 {
		return true, NotifyGoogle(tx, rec, MaskPrepaymentStatus)
	}
	return true, nil
}
