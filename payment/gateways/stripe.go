package gateways

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	stripeapi "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/stripe"
)

// StripeSignatureHeader carries "t=<unix>,v1=<hex hmac>[,v1=…]".
const StripeSignatureHeader = "Stripe-Signature"

// verifyStripe checks header against body with stripe-go's webhook package (HMAC-SHA256
// over "<t>.<body>" with the webhook secret, any v1 may match for secret rotation) and
// returns the typed event. The timestamp must be within tolerance of now, in both
// directions, by the registry's clock (stripe-go's own check reads the wall clock and
// only looks back). Signature problems wrap ErrSignature; a signed body that is not a
// Stripe event wraps booking.ErrInvalid.
func verifyStripe(header string, body []byte, secret string, now time.Time, tolerance time.Duration) (stripeapi.Event, error) {
	if err := webhook.ValidatePayloadIgnoringTolerance(body, header, secret); err != nil {
		return stripeapi.Event{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var ts int64 = -1
	for part := range strings.SplitSeq(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			ts, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return stripeapi.Event{}, fmt.Errorf("%w: timestamp outside the %s tolerance", ErrSignature, tolerance)
	}
	// Events are read with the fields this code uses, whatever the account's API version.
	e, err := webhook.ConstructEventWithOptions(body, header, secret, webhook.ConstructEventOptions{IgnoreTolerance: true, IgnoreAPIVersionMismatch: true})
	if err != nil || e.ID == "" || e.Data == nil {
		return stripeapi.Event{}, fmt.Errorf("stripe: not an event: %v: %w", err, booking.ErrInvalid)
	}
	return e, nil
}

// stripeEvents verifies Stripe-Signature and maps Stripe's typed events to the core's:
//   - payment_intent.succeeded: a charge, recorded once;
//   - refund.created, refund.updated, charge.refund.updated, refund.failed (data.object
//     is the Refund): the refund once its status is succeeded, whichever event says so
//     first; a refund that failed or was canceled is reversed if it was recorded
//     (GatewayRefundFailed); pending and requires_action change nothing yet;
//   - charge.refunded: each succeeded refund its Charge lists (API versions before
//     2022-11-15; later versions list none, hence the refund.* events).
//
// A refund is deduplicated by its re_ id and status, however and however often it is
// reported, and the echo of a refund we made is recognised in the ledger: no refund is
// counted twice. RefundOf is the PaymentIntent, our ledger's charge id. The booking is
// the booking_id metadata our Stripe adapter sets on the PaymentIntent (copied to its
// Charge); a Refund carries none, so it is found by its PaymentIntent in the ledger
// (stripeBooking). Other event types, and payments not ours, change nothing.
func (r *Registry) stripeEvents(ctx context.Context, merchantID string, h http.Header, body []byte) ([]booking.GatewayEvent, error) {
	a, err := r.load(ctx, merchantID, Stripe)
	if err != nil {
		return nil, err
	}
	e, err := verifyStripe(h.Get(StripeSignatureHeader), body, a.secrets["webhook_secret"].Reveal(), r.cfg.Now(), r.cfg.StripeTolerance)
	if err != nil {
		return nil, err
	}
	base := booking.GatewayEvent{Gateway: Stripe, MerchantID: merchantID, DedupeKey: e.ID}
	decode := func(v any) error {
		if err := json.Unmarshal(e.Data.Raw, v); err != nil {
			return fmt.Errorf("stripe event %s: %v: %w", e.ID, err, booking.ErrInvalid)
		}
		return nil
	}
	switch e.Type {
	case stripeapi.EventTypePaymentIntentSucceeded:
		var pi stripeapi.PaymentIntent
		if err := decode(&pi); err != nil {
			return nil, err
		}
		if base.BookingID = pi.Metadata["booking_id"]; base.BookingID == "" {
			return nil, nil // not one of our payments
		}
		amount, err := stripe.FromStripe(pi.AmountReceived, string(pi.Currency))
		if err != nil {
			return nil, fmt.Errorf("stripe event %s: %v: %w", e.ID, err, booking.ErrInvalid)
		}
		ev := base
		ev.Kind, ev.TransactionID, ev.Amount = booking.GatewayCollected, pi.ID, amount
		return []booking.GatewayEvent{ev}, nil
	case stripeapi.EventTypeChargeRefunded:
		var ch stripeapi.Charge
		if err := decode(&ch); err != nil {
			return nil, err
		}
		if base.BookingID = ch.Metadata["booking_id"]; base.BookingID == "" || ch.Refunds == nil {
			return nil, nil
		}
		var out []booking.GatewayEvent
		for _, re := range ch.Refunds.Data {
			if re.PaymentIntent == nil {
				re.PaymentIntent = ch.PaymentIntent
			}
			ev, err := stripeRefundEvent(base, e.ID, re)
			if err != nil {
				return nil, err
			}
			if ev != nil {
				out = append(out, *ev)
			}
		}
		return out, nil
	case stripeapi.EventTypeRefundCreated, stripeapi.EventTypeRefundUpdated, stripeapi.EventTypeChargeRefundUpdated, stripeapi.EventTypeRefundFailed:
		var re stripeapi.Refund
		if err := decode(&re); err != nil {
			return nil, err
		}
		if re.PaymentIntent == nil || re.PaymentIntent.ID == "" {
			return nil, nil // not a PaymentIntent's: ours all are
		}
		if k := stripeRefundKind(re.Status); k == booking.GatewayPending {
			return nil, nil // not settled (yet)
		}
		if base.BookingID = re.Metadata["booking_id"]; base.BookingID == "" {
			if base.BookingID, err = r.stripeBooking(ctx, merchantID, re.PaymentIntent.ID); err != nil || base.BookingID == "" {
				return nil, err
			}
		}
		ev, err := stripeRefundEvent(base, e.ID, &re)
		if err != nil || ev == nil {
			return nil, err
		}
		return []booking.GatewayEvent{*ev}, nil
	}
	return nil, nil
}

// stripeRefundKind is what a Refund's status means: refunded once succeeded, failed
// once failed or canceled, pending otherwise.
func stripeRefundKind(s stripeapi.RefundStatus) booking.GatewayEventKind {
	switch s {
	case stripeapi.RefundStatusSucceeded:
		return booking.GatewayRefunded
	case stripeapi.RefundStatusFailed, stripeapi.RefundStatusCanceled:
		return booking.GatewayRefundFailed
	}
	return booking.GatewayPending
}

// stripeRefundEvent maps a Refund to an event keyed by the refund's id and outcome
// (a refund may succeed, then fail), or nil while it is pending.
func stripeRefundEvent(base booking.GatewayEvent, eventID string, re *stripeapi.Refund) (*booking.GatewayEvent, error) {
	kind := stripeRefundKind(re.Status)
	if kind == booking.GatewayPending {
		return nil, nil
	}
	if re.ID == "" || re.PaymentIntent == nil || re.PaymentIntent.ID == "" {
		return nil, fmt.Errorf("stripe event %s: a refund without id or payment_intent: %w", eventID, booking.ErrInvalid)
	}
	amount, err := stripe.FromStripe(re.Amount, string(re.Currency))
	if err != nil {
		return nil, fmt.Errorf("stripe event %s: %v: %w", eventID, err, booking.ErrInvalid)
	}
	ev := base
	ev.DedupeKey = re.ID
	if kind == booking.GatewayRefundFailed {
		ev.DedupeKey = re.ID + ":" + string(re.Status)
	}
	ev.Kind, ev.TransactionID, ev.RefundOf, ev.Amount = kind, re.ID, re.PaymentIntent.ID, amount
	return &ev, nil
}

// chargeIndex finds the booking whose ledger holds a charge (the store's read
// transaction implements it).
type chargeIndex interface {
	// ChargeBooking returns the booking of the charge processorID of processor, or
	// booking.ErrNotFound.
	ChargeBooking(processor, processorID string) (string, error)
}

// stripeBooking returns the booking paid by PaymentIntent pi, found in the ledger, or
// "" when pi is not one of ours. A PaymentIntent not (yet) in the ledger while one of
// the merchant's Stripe payments is still being recorded (its charge answer or its
// payment_intent.succeeded not in yet: Stripe does not order its events) may be that
// payment: the answer is then booking.ErrOutOfOrder (503), and Stripe delivers again.
func (r *Registry) stripeBooking(ctx context.Context, merchantID, pi string) (string, error) {
	var bookingID string
	err := r.cfg.Store.View(ctx, func(tx booking.ReadTx) error {
		ix, ok := tx.(chargeIndex)
		if !ok {
			return fmt.Errorf("gateways: the store cannot find a booking by its charge: %w", booking.ErrUnavailable)
		}
		id, err := ix.ChargeBooking(Stripe, pi)
		if err == nil || !errors.Is(err, booking.ErrNotFound) {
			bookingID = id
			return err
		}
		inFlight := false
		err = tx.PendingPayments(func(rec *bsv1.BookingRecord) bool {
			inFlight = rec.GetPayment().GetProcessor() == Stripe && rec.GetBooking().GetSlot().GetMerchantId() == merchantID
			return !inFlight
		})
		if err == nil && inFlight {
			err = fmt.Errorf("stripe: refund of %s while a payment is being recorded: %w", pi, booking.ErrOutOfOrder)
		}
		return err
	})
	return bookingID, err
}
