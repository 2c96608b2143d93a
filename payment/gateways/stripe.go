package gateways

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bookingserver/bookingserver/booking"
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

type stripeEventJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Object struct {
			ID             string            `json:"id"`
			Amount         int64             `json:"amount"`
			AmountReceived int64             `json:"amount_received"`
			Currency       string            `json:"currency"`
			PaymentIntent  string            `json:"payment_intent"`
			Metadata       map[string]string `json:"metadata"`
			Refunds        struct {
				Data []struct {
					ID       string `json:"id"`
					Amount   int64  `json:"amount"`
					Currency string `json:"currency"`
					Status   string `json:"status"`
				} `json:"data"`
			} `json:"refunds"`
		} `json:"object"`
	} `json:"data"`
}

// stripeEvents verifies Stripe-Signature and maps payment_intent.succeeded (a charge,
// recorded once) and charge.refunded (each succeeded refund, by its re_ id: the echo of
// a refund we made is recognised in the ledger and not counted twice). The booking is
// the booking_id metadata our Stripe adapter sets; other event types change nothing.
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
	if base.BookingID == "" {
		return nil, nil // not one of our payments
	}
	switch e.Type {
	case "payment_intent.succeeded":
		amount, err := stripe.FromStripe(o.AmountReceived, o.Currency)
		if err != nil {
			return nil, fmt.Errorf("stripe event %s: %v: %w", e.ID, err, booking.ErrInvalid)
		}
		ev := base
		ev.Kind, ev.TransactionID, ev.Amount = booking.GatewayCollected, o.ID, amount
		return []booking.GatewayEvent{ev}, nil
	case "charge.refunded":
		var out []booking.GatewayEvent
		for _, re := range o.Refunds.Data {
			if re.Status != "succeeded" {
				continue
			}
			amount, err := stripe.FromStripe(re.Amount, re.Currency)
			if err != nil {
				return nil, fmt.Errorf("stripe event %s: %v: %w", e.ID, err, booking.ErrInvalid)
			}
			ev := base
			ev.DedupeKey = e.ID + ":" + re.ID
			ev.Kind, ev.TransactionID, ev.RefundOf, ev.Amount = booking.GatewayRefunded, re.ID, o.PaymentIntent, amount
			out = append(out, ev)
		}
		return out, nil
	}
	return nil, nil
}
