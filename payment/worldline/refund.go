package worldline

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bookingserver/bookingserver/booking"
)

// RefundRequest returns part or all of a captured payment. Several refunds may be
// made on one payment; the caller enforces refunded ≤ captured before calling (see
// package splittender), and Worldline enforces it too.
type RefundRequest struct {
	// PaymentID is the captured payment (one leg).
	PaymentID string
	// Amount is what to return, exact.
	Amount booking.Money
	// MerchantReference is recorded on the refund (e.g. our refund id).
	MerchantReference string
	// IdempotenceKey (X-GCS-Idempotence-Key) makes a retried call return the first
	// refund instead of refunding twice; use our refund id plus the leg.
	IdempotenceKey string
}

// Refund is Worldline's refund.
type Refund struct {
	// ID is the refund's id; refund webhooks carry it.
	ID string
	// Status is Worldline's raw status and State its meaning (StatePending for
	// REFUND_REQUESTED, StateRefunded for REFUNDED).
	Status string
	State  State
	// Amount is what is refunded, exact.
	Amount booking.Money
}

type refundRequestJSON struct {
	AmountOfMoney amountOfMoney `json:"amountOfMoney"`
	References    *struct {
		MerchantReference string `json:"merchantReference"`
	} `json:"references,omitempty"`
}

type refundJSON struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	RefundOutput *struct {
		AmountOfMoney *amountOfMoney `json:"amountOfMoney"`
	} `json:"refundOutput"`
}

func (r *refundJSON) refund() (Refund, error) {
	if r.ID == "" || r.RefundOutput == nil {
		return Refund{}, fmt.Errorf("worldline: refund without id or refundOutput: %w", booking.ErrInvalid)
	}
	state, ok := stateOf(r.Status)
	if !ok {
		return Refund{}, fmt.Errorf("worldline: refund status %q: %w", r.Status, booking.ErrInvalid)
	}
	amount, err := r.RefundOutput.AmountOfMoney.money()
	if err != nil {
		return Refund{}, err
	}
	return Refund{ID: r.ID, Status: r.Status, State: state, Amount: amount}, nil
}

// Refund refunds (POST /v2/{merchantId}/payments/{id}/refund).
func (c *Client) Refund(ctx context.Context, req RefundRequest) (Refund, error) {
	if !validID(req.PaymentID) {
		return Refund{}, fmt.Errorf("worldline: bad payment id %q: %w", req.PaymentID, booking.ErrInvalid)
	}
	amount, err := toAmount(req.Amount)
	if err != nil {
		return Refund{}, err
	}
	body := refundRequestJSON{AmountOfMoney: amount}
	if req.MerchantReference != "" {
		body.References = &struct {
			MerchantReference string `json:"merchantReference"`
		}{req.MerchantReference}
	}
	var out refundJSON
	if err := c.do(ctx, http.MethodPost, "payments/"+req.PaymentID+"/refund", body, req.IdempotenceKey, &out); err != nil {
		return Refund{}, err
	}
	return out.refund()
}
