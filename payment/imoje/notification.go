package imoje

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
)

// SignatureHeader is the header that carries a notification's signature.
const SignatureHeader = "X-Imoje-Signature"

// ErrSignature is returned for a notification whose signature header is missing,
// malformed, for another merchant or shop, of an unsupported algorithm, or does not
// match the body. Answer such a request with 400 and change nothing.
var ErrSignature = errors.New("imoje: notification signature invalid")

// VerifyNotification checks header (the X-Imoje-Signature value,
// "merchantid=…;serviceid=…;signature=…;alg=sha256") against the raw body: the ids
// must be this client's, alg must be sha256, and signature must equal
// hex(sha256(body || shop key)), compared in constant time. Pass the body exactly as
// received, before any JSON decoding.
func (c *Client) VerifyNotification(header string, body []byte) error {
	fields := map[string]string{}
	for part := range strings.SplitSeq(header, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := fields[k]; dup {
			return fmt.Errorf("%w: duplicate %q", ErrSignature, k)
		}
		fields[k] = strings.TrimSpace(v)
	}
	if fields["merchantid"] != c.cfg.MerchantID || fields["serviceid"] != c.cfg.ServiceID {
		return fmt.Errorf("%w: merchant or service id does not match", ErrSignature)
	}
	if !strings.EqualFold(fields["alg"], "sha256") {
		return fmt.Errorf("%w: algorithm %q not supported", ErrSignature, fields["alg"])
	}
	got, err := hex.DecodeString(fields["signature"])
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: signature is not a sha256 hex digest", ErrSignature)
	}
	h := sha256.New()
	h.Write(body)
	h.Write([]byte(c.cfg.ShopKey.Reveal()))
	if subtle.ConstantTimeCompare(got, h.Sum(nil)) != 1 {
		return fmt.Errorf("%w: digest mismatch", ErrSignature)
	}
	return nil
}

// Notification is one transaction change reported by imoje.
type Notification struct {
	// TransactionID is imoje's transaction id (a refund has its own).
	TransactionID string
	// Kind is KindSale or KindRefund.
	Kind Kind
	// Status is imoje's raw status and State its meaning for the booking.
	Status string
	State  State
	// Amount is the transaction's amount, exact.
	Amount booking.Money
	// OrderID is our booking id as sent in CreatePayment.
	OrderID string
	// PaymentID is the payment link's id when imoje includes it.
	PaymentID string
	// PaymentMethod and PaymentMethodCode say how the buyer paid ("blik",
	// "imoje_paylater", …).
	PaymentMethod, PaymentMethodCode string
}

// DedupeKey identifies this notification: imoje repeats a notification until it is
// acknowledged, and one transaction moves through several statuses, so the key is the
// transaction id plus the status. Store it with the change it caused; a key seen
// before means "answer 200 and change nothing".
func (n Notification) DedupeKey() string { return n.TransactionID + ":" + n.Status }

type transactionJSON struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	Status            string `json:"status"`
	Amount            *int64 `json:"amount"`
	Currency          string `json:"currency"`
	OrderID           string `json:"orderId"`
	ServiceID         string `json:"serviceId"`
	PaymentMethod     string `json:"paymentMethod"`
	PaymentMethodCode string `json:"paymentMethodCode"`
	// Created is imoje's creation time, Unix seconds (transaction lookups carry it).
	Created int64 `json:"created"`
}

type notificationJSON struct {
	Transaction *transactionJSON `json:"transaction"`
	Payment     *struct {
		ID string `json:"id"`
	} `json:"payment"`
}

// ParseNotification decodes a verified notification body. A body without a
// transaction, with an undocumented status or type, or with a malformed amount or
// currency is an error wrapping booking.ErrInvalid.
func ParseNotification(body []byte) (Notification, error) {
	var n notificationJSON
	if err := json.Unmarshal(body, &n); err != nil {
		return Notification{}, fmt.Errorf("imoje: notification: %v: %w", err, booking.ErrInvalid)
	}
	return n.notification()
}

func (n notificationJSON) notification() (Notification, error) {
	t := n.Transaction
	if t == nil || t.ID == "" || t.Amount == nil {
		return Notification{}, fmt.Errorf("imoje: notification without transaction id or amount: %w", booking.ErrInvalid)
	}
	kind := Kind(t.Type)
	if kind != KindSale && kind != KindRefund {
		return Notification{}, fmt.Errorf("imoje: transaction type %q: %w", t.Type, booking.ErrInvalid)
	}
	state, ok := stateOf(kind, t.Status, t.PaymentMethod)
	if !ok {
		return Notification{}, fmt.Errorf("imoje: transaction status %q: %w", t.Status, booking.ErrInvalid)
	}
	amount, err := toMoney(*t.Amount, t.Currency)
	if err != nil {
		return Notification{}, err
	}
	out := Notification{
		TransactionID: t.ID, Kind: kind, Status: t.Status, State: state, Amount: amount,
		OrderID: t.OrderID, PaymentMethod: t.PaymentMethod, PaymentMethodCode: t.PaymentMethodCode,
	}
	if n.Payment != nil {
		out.PaymentID = n.Payment.ID
	}
	return out, nil
}
