package gateways

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/imoje"
	"github.com/bookingserver/bookingserver/payment/worldline"
)

// Events verifies a webhook of gateway for merchantID (headers and the raw body, exactly
// as received) and returns its effects for booking.Service.ApplyGatewayEvent. A bad
// signature wraps ErrSignature; nothing is read from the body before it is verified.
func (r *Registry) Events(ctx context.Context, gateway, merchantID string, h http.Header, body []byte) ([]booking.GatewayEvent, error) {
	switch gateway {
	case Imoje:
		return r.imojeEvents(ctx, merchantID, h, body)
	case Worldline:
		return r.worldlineEvents(ctx, merchantID, h, body)
	case Stripe:
		return r.stripeEvents(ctx, merchantID, h, body)
	}
	return nil, fmt.Errorf("unknown gateway %q: %w", gateway, booking.ErrNotFound)
}

// imojeEvents verifies X-Imoje-Signature and maps the transaction's state. The order id
// is our booking id; a refund returns the booking's only imoje charge.
func (r *Registry) imojeEvents(ctx context.Context, merchantID string, h http.Header, body []byte) ([]booking.GatewayEvent, error) {
	c, err := r.imoje(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	if err := c.VerifyNotification(h.Get(imoje.SignatureHeader), body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	n, err := imoje.ParseNotification(body)
	if err != nil {
		return nil, err
	}
	ev := booking.GatewayEvent{Gateway: Imoje, MerchantID: merchantID, DedupeKey: n.DedupeKey(), BookingID: n.OrderID,
		TransactionID: n.TransactionID, Amount: n.Amount}
	switch n.State {
	case imoje.StateCollected:
		ev.Kind = booking.GatewayCollected
	case imoje.StateFailed, imoje.StateCancelled:
		ev.Kind = booking.GatewayFailed
		if n.Kind == imoje.KindRefund { // a refund transaction rejected: the money stays
			ev.Kind = booking.GatewayRefundFailed
		}
	case imoje.StateRefunded:
		ev.Kind = booking.GatewayRefunded
	}
	return []booking.GatewayEvent{ev}, nil
}

// worldlineEvents verifies X-GCS-Signature/X-GCS-KeyId, then asks Worldline for the
// payment (GetPayment) and trusts its answer, not the webhook's, for the state, the
// amount and the booking (merchantReference) before anything irreversible.
func (r *Registry) worldlineEvents(ctx context.Context, merchantID string, h http.Header, body []byte) ([]booking.GatewayEvent, error) {
	c, err := r.worldline(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	if err := c.VerifyWebhook(h.Get(worldline.KeyIDHeader), h.Get(worldline.SignatureHeader), body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	e, err := c.ParseWebhook(body)
	if err != nil {
		return nil, err
	}
	p, err := c.GetPayment(ctx, e.PaymentID)
	if err != nil {
		return nil, fmt.Errorf("worldline: re-check payment %s: %w", e.PaymentID, err)
	}
	ev := booking.GatewayEvent{Gateway: Worldline, MerchantID: merchantID, DedupeKey: e.ID, BookingID: p.MerchantReference}
	switch {
	case e.RefundID != "":
		ev.TransactionID, ev.RefundOf, ev.Amount = e.RefundID, p.ID, e.Amount
		switch e.State {
		case worldline.StateRefunded:
			ev.Kind = booking.GatewayRefunded
		case worldline.StateFailed, worldline.StateCancelled:
			ev.Kind = booking.GatewayRefundFailed
		}
	default:
		if p, err = captureAuthorised(ctx, c, p); err != nil {
			return nil, err
		}
		ev.TransactionID, ev.Amount, ev.GiftCard = p.ID, p.Amount, p.PaymentProductID == worldline.ProductBimpliCADO
		switch p.State {
		case worldline.StateCollected:
			ev.Kind = booking.GatewayCollected
		case worldline.StateFailed, worldline.StateCancelled:
			ev.Kind = booking.GatewayFailed
		}
	}
	return []booking.GatewayEvent{ev}, nil
}

// captureAuthorised captures a payment an authorise-only account left
// PENDING_CAPTURE (a booking is confirmed by captured money, and an authorisation
// left alone lapses), and returns the payment as captured when Worldline answers
// CAPTURED. The ledger keys the charge by the payment id, whichever of this answer or
// the later payment.captured webhook reports it, so it is counted once. The
// idempotence key makes a webhook delivered again (or a retried capture) answer the
// first capture rather than capture twice; an error leaves the webhook unanswered so
// Worldline delivers it again.
func captureAuthorised(ctx context.Context, c *worldline.Client, p worldline.Payment) (worldline.Payment, error) {
	if p.Status != "PENDING_CAPTURE" {
		return p, nil
	}
	cp, err := c.Capture(ctx, worldline.CaptureRequest{PaymentID: p.ID, Amount: p.Amount, IdempotenceKey: p.ID + ":capture"})
	if err != nil {
		return p, fmt.Errorf("worldline: capture authorised payment %s: %w", p.ID, err)
	}
	if cp.State == worldline.StateCollected {
		p.Status, p.State = cp.Status, cp.State
	}
	return p, nil
}
