package worldline

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// Webhook headers.
const (
	SignatureHeader = "X-GCS-Signature"
	KeyIDHeader     = "X-GCS-KeyId"
)

// ErrSignature is returned for a webhook whose key id is not the configured one or
// whose signature does not match the body. Answer 400 (or 401) and change nothing.
var ErrSignature = errors.New("worldline: webhook signature invalid")

// VerifyWebhook checks a webhook: keyID (X-GCS-KeyId) must be the configured webhook
// key id and signature (X-GCS-Signature) must be base64(HMAC-SHA256(webhook secret,
// raw body)). Both comparisons are constant-time. Pass the body exactly as received.
func (c *Client) VerifyWebhook(keyID, signature string, body []byte) error {
	if subtle.ConstantTimeCompare([]byte(keyID), []byte(c.cfg.WebhookKeyID)) != 1 {
		return fmt.Errorf("%w: unknown key id", ErrSignature)
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrSignature)
	}
	mac := hmac.New(sha256.New, []byte(c.cfg.WebhookSecret.Reveal()))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: digest mismatch", ErrSignature)
	}
	return nil
}

// Event is one webhook event.
type Event struct {
	// ID is the event's unique id: the dedupe key. Worldline may deliver an event
	// more than once and in any order.
	ID string
	// Type is e.g. "payment.captured", "payment.refunded", "refund.refund_requested".
	Type string
	// Created is Worldline's timestamp, as sent.
	Created string
	// PaymentID is the payment the event is about (for refund events, the refunded
	// payment, named by the refund id's paymentid part). RefundID is set for refund events.
	PaymentID, RefundID string
	// Status is the object's raw status and State its meaning.
	Status string
	State  State
	// Amount is the payment's amount, or the refund's for refund events.
	Amount booking.Money
	// MerchantReference is our booking id on payment events; on refund events, the
	// reference the refund was made with, when any.
	MerchantReference string
}

type eventJSON struct {
	APIVersion string       `json:"apiVersion"`
	ID         string       `json:"id"`
	Created    string       `json:"created"`
	MerchantID string       `json:"merchantId"`
	Type       string       `json:"type"`
	Payment    *paymentJSON `json:"payment"`
	Refund     *refundJSON  `json:"refund"`
}

// ParseWebhook decodes a verified webhook body. An event for another merchant, without
// id or type, or without a payment or refund object is an error wrapping
// booking.ErrInvalid.
func (c *Client) ParseWebhook(body []byte) (Event, error) {
	var e eventJSON
	if err := json.Unmarshal(body, &e); err != nil {
		return Event{}, fmt.Errorf("worldline: webhook: %v: %w", err, booking.ErrInvalid)
	}
	if e.ID == "" || e.Type == "" {
		return Event{}, fmt.Errorf("worldline: webhook without id or type: %w", booking.ErrInvalid)
	}
	if e.MerchantID != c.cfg.MerchantID {
		return Event{}, fmt.Errorf("worldline: webhook for merchant %q: %w", e.MerchantID, booking.ErrInvalid)
	}
	out := Event{ID: e.ID, Type: e.Type, Created: e.Created}
	switch {
	case e.Refund != nil:
		r, err := e.Refund.refund()
		if err != nil {
			return Event{}, err
		}
		out.RefundID, out.PaymentID, out.Status, out.State, out.Amount, out.MerchantReference = r.ID, r.PaymentID, r.Status, r.State, r.Amount, r.MerchantReference
	case e.Payment != nil:
		p, err := e.Payment.payment()
		if err != nil {
			return Event{}, err
		}
		out.PaymentID, out.Status, out.State, out.Amount, out.MerchantReference = p.ID, p.Status, p.State, p.Amount, p.MerchantReference
	default:
		return Event{}, fmt.Errorf("worldline: webhook %s has no payment or refund: %w", e.Type, booking.ErrInvalid)
	}
	return out, nil
}
