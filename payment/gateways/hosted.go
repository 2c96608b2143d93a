package gateways

import (
	"context"
	"fmt"
	"slices"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/imoje"
	"github.com/bookingserver/bookingserver/payment/splittender"
	"github.com/bookingserver/bookingserver/payment/worldline"
)

var _ booking.HostedGateways = (*Registry)(nil)

// PlanLegs implements booking.HostedGateways with splittender.Plan: gift cards (EUR,
// at most three, each at most 250 €) are Worldline's Bimpli CADO only.
func (r *Registry) PlanLegs(gateway string, total booking.Money, giftCards []booking.Money) ([]*bsv1.GatewayLeg, error) {
	if len(giftCards) == 0 {
		return nil, nil
	}
	if gateway != Worldline {
		return nil, fmt.Errorf("gift cards are paid through Worldline (Bimpli CADO) only: %w", booking.ErrInvalid)
	}
	t, err := splittender.Plan(total, giftCards)
	if err != nil {
		return nil, err
	}
	legs := make([]*bsv1.GatewayLeg, len(t.Legs))
	for i, l := range t.Legs {
		legs[i] = &bsv1.GatewayLeg{GiftCard: l.Kind == splittender.GiftCard, AmountMicros: l.CapturedMicros}
	}
	return legs, nil
}

// Checkout implements booking.HostedGateways: an imoje payment link, or a Worldline
// hosted checkout (product 3103, Bimpli CADO, when gift cards pay part).
func (r *Registry) Checkout(ctx context.Context, req booking.CheckoutRequest) (booking.Checkout, error) {
	u := req.User
	switch req.Gateway {
	case Imoje:
		c, err := r.imoje(ctx, req.MerchantID)
		if err != nil {
			return booking.Checkout{}, err
		}
		p, err := c.CreatePayment(ctx, imoje.PaymentRequest{OrderID: req.BookingID, Amount: req.Amount, Title: "Booking " + req.BookingID,
			Customer: imoje.Customer{FirstName: u.GetGivenName(), LastName: u.GetFamilyName(), Email: u.GetEmail(), Phone: u.GetTelephone()}})
		return booking.Checkout{ID: p.ID, RedirectURL: p.URL}, err
	case Worldline:
		c, err := r.worldline(ctx, req.MerchantID)
		if err != nil {
			return booking.Checkout{}, err
		}
		cr := worldline.CheckoutRequest{Amount: req.Amount, MerchantReference: req.BookingID, CustomerEmail: u.GetEmail(), IdempotenceKey: req.BookingID + ":checkout"}
		if req.GiftCards {
			cr.PaymentProductID = worldline.ProductBimpliCADO
		}
		co, err := c.CreateHostedCheckout(ctx, cr)
		return booking.Checkout{ID: co.HostedCheckoutID, RedirectURL: co.RedirectURL}, err
	}
	return booking.Checkout{}, fmt.Errorf("no hosted checkout for gateway %q: %w", req.Gateway, booking.ErrInvalid)
}

// Refund implements booking.HostedGateways: one refund of one charge at the gateway.
// The refund id it returns is what the gateway's webhook echoes.
func (r *Registry) Refund(ctx context.Context, merchantID, gateway string, req booking.RefundRequest) (booking.Transaction, error) {
	switch gateway {
	case Imoje:
		c, err := r.imoje(ctx, merchantID)
		if err != nil {
			return booking.Transaction{}, err
		}
		ref, err := c.Refund(ctx, imoje.RefundRequest{TransactionID: req.ChargeID, Amount: req.Amount})
		return booking.Transaction{ID: ref.ID, Amount: ref.Amount}, err
	case Worldline:
		c, err := r.worldline(ctx, merchantID)
		if err != nil {
			return booking.Transaction{}, err
		}
		ref, err := c.Refund(ctx, worldline.RefundRequest{PaymentID: req.ChargeID, Amount: req.Amount, IdempotenceKey: req.IdempotencyKey})
		return booking.Transaction{ID: ref.ID, Amount: ref.Amount}, err
	}
	return booking.Transaction{}, fmt.Errorf("no refunds through gateway %q: %w", gateway, booking.ErrInvalid)
}

// IdempotentRefunds implements booking.HostedGateways: Worldline answers a refund sent
// again with the same X-GCS-Idempotence-Key with the refund it made; imoje's refund
// call has no idempotency key, so a second call is a second refund.
func (r *Registry) IdempotentRefunds(gateway string) bool { return gateway == Worldline }

// LookupRefund implements booking.HostedGateways: it lists the charge's refunds at
// the gateway — imoje's transaction lookup (imoje's refund call has no idempotency
// key), Worldline's GET …/payments/{id}/refunds (once a refund is too old to trust its
// idempotence key) — and answers the first that can be the lost one: same amount,
// created since q.SinceUnix when the gateway says when, not already recorded;
// preferring one the gateway made over one it rejected.
func (r *Registry) LookupRefund(ctx context.Context, merchantID, gateway string, q booking.RefundLookup) (booking.RefundFound, error) {
	var refunds []refundSeen
	switch gateway {
	case Imoje:
		c, err := r.imoje(ctx, merchantID)
		if err != nil {
			return booking.RefundFound{}, err
		}
		list, err := c.Refunds(ctx, q.ChargeID)
		if err != nil {
			return booking.RefundFound{}, err
		}
		for _, ref := range list {
			refunds = append(refunds, refundSeen{ref.ID, ref.Amount, ref.CreatedUnix, ref.State == imoje.StateFailed || ref.State == imoje.StateCancelled})
		}
	case Worldline:
		c, err := r.worldline(ctx, merchantID)
		if err != nil {
			return booking.RefundFound{}, err
		}
		list, err := c.Refunds(ctx, q.ChargeID)
		if err != nil {
			return booking.RefundFound{}, err
		}
		for _, ref := range list {
			refunds = append(refunds, refundSeen{ref.ID, ref.Amount, 0, ref.State == worldline.StateFailed || ref.State == worldline.StateCancelled})
		}
	default:
		return booking.RefundFound{}, fmt.Errorf("no refund lookup for gateway %q: %w", gateway, booking.ErrInvalid)
	}
	found := booking.RefundFound{}
	for _, ref := range refunds {
		if ref.amount != q.Amount || slices.Contains(q.Recorded, ref.id) || (ref.createdUnix != 0 && ref.createdUnix < q.SinceUnix) {
			continue
		}
		if ref.rejected {
			found.Outcome = booking.RefundRejected
			continue
		}
		return booking.RefundFound{Outcome: booking.RefundMade, Transaction: booking.Transaction{ID: ref.id, Amount: ref.amount}}, nil
	}
	return found, nil
}

// refundSeen is one refund a gateway lists, in the terms LookupRefund matches on.
type refundSeen struct {
	id          string
	amount      booking.Money
	createdUnix int64 // 0 when the gateway does not say
	rejected    bool
}

// PlanRefund implements booking.HostedGateways with splittender's order (the card leg
// first, then the gift cards from the last used): it rebuilds the tender from the
// booking's paid legs and the ledger's refunds, so every cap is the one the ledger
// proves. A tender paid in part (its card leg failed) refunds the legs that were paid.
func (r *Registry) PlanRefund(rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, amount int64) ([]*bsv1.LedgerEntry, error) {
	p := rec.GetPayment()
	t := splittender.Tender{Total: booking.Money{Micros: p.GetChargeMicros(), Currency: p.GetCurrency()}}
	refunded := map[string]int64{}
	for _, e := range ledger {
		switch e.GetKind() {
		case bsv1.LedgerEntry_KIND_REFUND:
			refunded[e.GetRefundOf()] += e.GetAmountMicros()
		case bsv1.LedgerEntry_KIND_REFUND_REVERSED:
			refunded[e.GetRefundOf()] -= e.GetAmountMicros()
		}
	}
	t.Total.Micros = 0
	for _, l := range p.GetGateway().GetLegs() {
		if l.GetProcessorId() == "" {
			continue // never paid (a card leg that failed after the gift cards): nothing to return
		}
		t.Total.Micros += l.GetAmountMicros()
		kind := splittender.Card
		if l.GetGiftCard() {
			kind = splittender.GiftCard
		}
		t.Legs = append(t.Legs, splittender.Leg{Kind: kind, ProcessorID: l.GetProcessorId(), CapturedMicros: l.GetAmountMicros(), RefundedMicros: refunded[l.GetProcessorId()]})
	}
	_, alloc, err := t.Refund("refund", booking.Money{Micros: amount, Currency: p.GetCurrency()})
	if err != nil {
		return nil, err
	}
	plan := make([]*bsv1.LedgerEntry, 0, len(alloc.Parts))
	for _, part := range alloc.Parts {
		plan = append(plan, &bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_REFUND, BookingId: rec.GetBooking().GetBookingId(), AmountMicros: part.Micros,
			Currency: p.GetCurrency(), Processor: p.GetProcessor(), RefundOf: t.Legs[part.Leg].ProcessorID})
	}
	return plan, nil
}
