package gateways

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/stripe"
)

// StripeSignatureHeader carries "t=<unix>,v1=<hex hmac>[,v1=…]".
const StripeSignatureHeader = "Stripe-Signature"

// verifyStripe checks header against body as Stripe documents: HMAC-SHA256 with the
// webhook secret over "<t>.<body>", any v1 may match (secret rotation), compared in
// constant time, and t no further than tolerance from now.
func verifyStripe(header string, body []byte, secret string, now time.Time, tolerance time.Duration) error {
	var ts int64 = -1
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: bad timestamp", ErrSignature)
			}
			ts = n
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return fmt.Errorf("%w: %s needs t= and v1=", ErrSignature, StripeSignatureHeader)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp outside the %s tolerance", ErrSignature, tolerance)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches", ErrSignature)
}

// stripeRefundJSON is a Stripe Refund: data.object of refund.created, refund.updated
// and charge.refund.updated, and an item of a Charge's refunds.data (listed in
// charge.refunded only for API versions before 2022-11-15). payment_intent and charge
// are ids (not expanded in events); metadata is empty for a Dashboard refund.
type stripeRefundJSON struct {
	ID            string            `json:"id"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Status        string            `json:"status"`
	PaymentIntent string            `json:"payment_intent"`
	Metadata      map[string]string `json:"metadata"`
}

type stripeEventJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Object struct {
			stripeRefundJSON
			AmountReceived int64 `json:"amount_received"`
			Refunds        struct {
				Data []stripeRefundJSON `json:"data"`
			} `json:"refunds"`
		} `json:"object"`
	} `json:"data"`
}

// stripeEvents verifies Stripe-Signature and maps Stripe's events to the core's:
//   - payment_intent.succeeded: a charge, recorded once;
//   - refund.created, refund.updated, charge.refund.updated (data.object is the
//     Refund): the refund once its status is succeeded, whichever event says so first;
//     pending, requires_action, failed and canceled refunds are never counted;
//   - charge.refunded: each succeeded refund its Charge lists (API versions before
//     2022-11-15; later versions list none, hence the refund.* events).
//
// A refund is deduplicated by its re_ id, however and however often it is reported,
// and the echo of a refund we made is recognised in the ledger: no refund is counted
// twice. RefundOf is the PaymentIntent, our ledger's charge id. The booking is the
// booking_id metadata our Stripe adapter sets on the PaymentIntent (copied to its
// Charge); a Refund carries none, so it is found by its PaymentIntent in the ledger
// (stripeBooking). Other event types, and payments not ours, change nothing.
func (r *Registry) stripeEvents(ctx context.Context, merchantID string, h http.Header, body []byte) ([]booking.GatewayEvent, error) {
	a, err := r.load(ctx, merchantID, Stripe)
	if err != nil {
		return nil, err
	}
	if err := verifyStripe(h.Get(StripeSignatureHeader), body, a.secrets["webhook_secret"].Reveal(), r.cfg.Now(), r.cfg.StripeTolerance); err != nil {
		return nil, err
	}
	var e stripeEventJSON
	if err := json.Unmarshal(body, &e); err != nil || e.ID == "" {
		return nil, fmt.Errorf("stripe: event without id: %w", booking.ErrInvalid)
	}
	o := e.Data.Object
	base := booking.GatewayEvent{Gateway: Stripe, MerchantID: merchantID, DedupeKey: e.ID, BookingID: o.Metadata["booking_id"]}
	switch e.Type {
	case "payment_intent.succeeded":
		if base.BookingID == "" {
			return nil, nil // not one of our payments
		}
		amount, err := stripe.FromStripe(o.AmountReceived, o.Currency)
		if err != nil {
			return nil, fmt.Errorf("stripe event %s: %v: %w", e.ID, err, booking.ErrInvalid)
		}
		ev := base
		ev.Kind, ev.TransactionID, ev.Amount = booking.GatewayCollected, o.ID, amount
		return []booking.GatewayEvent{ev}, nil
	case "charge.refunded":
		if base.BookingID == "" {
			return nil, nil
		}
		var out []booking.GatewayEvent
		for _, re := range o.Refunds.Data {
			re.PaymentIntent = o.PaymentIntent
			ev, err := stripeRefundEvent(base, e.ID, re)
			if err != nil {
				return nil, err
			}
			if ev != nil {
				out = append(out, *ev)
			}
		}
		return out, nil
	case "refund.created", "refund.updated", "charge.refund.updated":
		re := o.stripeRefundJSON
		if re.Status != "succeeded" || re.PaymentIntent == "" {
			return nil, nil // not settled (yet), or not a PaymentIntent's: ours all are
		}
		if base.BookingID == "" {
			if base.BookingID, err = r.stripeBooking(ctx, merchantID, re.PaymentIntent); err != nil || base.BookingID == "" {
				return nil, err
			}
		}
		ev, err := stripeRefundEvent(base, e.ID, re)
		if err != nil || ev == nil {
			return nil, err
		}
		return []booking.GatewayEvent{*ev}, nil
	}
	return nil, nil
}

// stripeRefundEvent maps a Refund to a GatewayRefunded event keyed by the refund's id,
// or nil unless it succeeded.
func stripeRefundEvent(base booking.GatewayEvent, eventID string, re stripeRefundJSON) (*booking.GatewayEvent, error) {
	if re.Status != "succeeded" {
		return nil, nil
	}
	if re.ID == "" || re.PaymentIntent == "" {
		return nil, fmt.Errorf("stripe event %s: a refund without id or payment_intent: %w", eventID, booking.ErrInvalid)
	}
	amount, err := stripe.FromStripe(re.Amount, re.Currency)
	if err != nil {
		return nil, fmt.Errorf("stripe event %s: %v: %w", eventID, err, booking.ErrInvalid)
	}
	ev := base
	ev.DedupeKey = re.ID
	ev.Kind, ev.TransactionID, ev.RefundOf, ev.Amount = booking.GatewayRefunded, re.ID, re.PaymentIntent, amount
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
