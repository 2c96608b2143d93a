package booking

import (
	"context"
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// refundPlan splits amount over the booking's charges and fees, oldest first, each up
// to what is left of it after earlier refunds.
func refundPlan(ledger []*bsv1.LedgerEntry, amount int64) []*bsv1.LedgerEntry {
	left := map[string]int64{}
	var order []*bsv1.LedgerEntry
	for _, e := range ledger {
		switch e.GetKind() {
		case bsv1.LedgerEntry_KIND_CHARGE, bsv1.LedgerEntry_KIND_FEE:
			left[e.GetProcessorId()] += e.GetAmountMicros()
			order = append(order, e)
		case bsv1.LedgerEntry_KIND_REFUND:
			left[e.GetRefundOf()] -= e.GetAmountMicros()
		}
	}
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

// refund returns amount micros of rec's captured money through the processor. keyBase
// makes the idempotency keys (one per charge refunded). The caller holds the booking's
// lock and records the returned entries with recordRefunds.
func (s *Service) refund(ctx context.Context, rec *bsv1.BookingRecord, amount int64, keyBase, reason string) ([]*bsv1.LedgerEntry, error) {
	if amount <= 0 {
		return nil, nil
	}
	var ledger []*bsv1.LedgerEntry
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		ledger, err = ledgerOf(tx, rec.GetBooking().GetBookingId())
		return err
	})
	if err != nil {
		return nil, err
	}
	plan := refundPlan(ledger, amount)
	if len(rec.GetPayment().GetGateway().GetLegs()) > 0 && s.gateways != nil {
		// A split tender is refunded in the order the gateway adapter documents.
		if plan, err = s.gateways.PlanRefund(rec, ledger, amount); err != nil {
			return nil, err
		}
	}
	for i, e := range plan {
		key := fmt.Sprintf("%s:%d", keyBase, i)
		if e.GetProcessor() == CartProcessor {
			// Money collected in the shop's cart goes back through the shop: the
			// refund is recorded here, under the merchant's request key.
			e.ProcessorId, e.Reason = key, reason+" (refunded by the shop)"
			continue
		}
		req := RefundRequest{ChargeID: e.GetRefundOf(), Amount: Money{Micros: e.GetAmountMicros(), Currency: e.GetCurrency()}, IdempotencyKey: key}
		t, err := s.refundAt(ctx, rec, e.GetProcessor(), req)
		if err != nil {
			return nil, fmt.Errorf("refund %s of %s: %v: %w", req.Amount, e.GetRefundOf(), err, ErrUnavailable)
		}
		e.ProcessorId, e.Reason = t.ID, reason
	}
	return plan, nil
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

// recordRefunds writes refunds to the ledger and the booking's totals; a booking whose
// captured money is all returned reports PREPAYMENT_REFUNDED.
func (s *Service) recordRefunds(tx Tx, rec *bsv1.BookingRecord, refunds []*bsv1.LedgerEntry) error {
	p := rec.GetPayment()
	for _, e := range refunds {
		e.AtUnix = s.now().Unix()
		if err := tx.AppendLedger(e); err != nil {
			return err
		}
		p.RefundedMicros += e.GetAmountMicros()
	}
	if p.GetRefundedMicros() > p.GetCapturedMicros() {
		return fmt.Errorf("booking %s: refunded %d > captured %d: broken invariant", rec.GetBooking().GetBookingId(), p.GetRefundedMicros(), p.GetCapturedMicros())
	}
	if len(refunds) > 0 && p.GetRefundedMicros() == p.GetCapturedMicros() {
		rec.GetBooking().GetPaymentInformation().PrepaymentStatus = acv3.PrepaymentStatus_PREPAYMENT_REFUNDED
	}
	return nil
}

// outstanding is what was captured and not yet refunded.
func outstanding(rec *bsv1.BookingRecord) int64 {
	return rec.GetPayment().GetCapturedMicros() - rec.GetPayment().GetRefundedMicros()
}
