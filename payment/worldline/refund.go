package worldline

import (
	"context"
	"fmt"
	"net/http"
	"strings"

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
	// ID is the refund's id ("paymentid_operationid"); refund webhooks carry it.
	ID string
	// PaymentID is the payment it returns ("paymentid_0"), derived from ID.
	PaymentID string
	// MerchantReference is the reference the refund was made with, when any.
	MerchantReference string
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

// refundJSON is Worldline's RefundResponse (the answer to a refund, an element of
// GET …/payments/{id}/refunds and a refund webhook's "refund" object). It carries no
// payment id: the refund's id is "paymentid_operationid" (see paymentOf), and
// refundOutput.operationReferences (references before it, now deprecated for
// refunds) echoes the merchantReference the refund was made with.
type refundJSON struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	RefundOutput *struct {
		AmountOfMoney       *amountOfMoney  `json:"amountOfMoney"`
		OperationReferences *referencesJSON `json:"operationReferences"`
		References          *referencesJSON `json:"references"`
	} `json:"refundOutput"`
}

type referencesJSON struct {
	MerchantReference string `json:"merchantReference"`
}

// merchantReference is the refund's merchantReference, from operationReferences or,
// on older answers, references.
func (r *refundJSON) merchantReference() string {
	for _, ref := range []*referencesJSON{r.RefundOutput.OperationReferences, r.RefundOutput.References} {
		if ref != nil && ref.MerchantReference != "" {
			return ref.MerchantReference
		}
	}
	return ""
}

// paymentOf is the payment a refund (or capture) id belongs to. Worldline Direct ids
// are "paymentid_operationid": the paymentid never changes over a transaction's life,
// operation 0 is the payment itself and every maintenance operation (capture, refund)
// takes the next number (Worldline's webhooks guide, "payment.id"). So refund
// "3136405348_2" returns payment "3136405348_0".
func paymentOf(operationID string) (string, bool) {
	i := strings.LastIndexByte(operationID, '_')
	if i <= 0 || i == len(operationID)-1 {
		return "", false
	}
	return operationID[:i] + "_0", true
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
	paymentID, ok := paymentOf(r.ID)
	if !ok {
		return Refund{}, fmt.Errorf("worldline: refund id %q is not paymentid_operationid: %w", r.ID, booking.ErrInvalid)
	}
	return Refund{ID: r.ID, PaymentID: paymentID, Status: r.Status, State: state, Amount: amount, MerchantReference: r.merchantReference()}, nil
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

type refundsJSON struct {
	Refunds []refundJSON `json:"refunds"`
}

// Refunds lists a payment's refunds (GET /v2/{merchantId}/payments/{id}/refunds):
// how the outcome of a refund whose answer was lost is learnt without refunding again
// once its idempotence key can no longer be trusted.
func (c *Client) Refunds(ctx context.Context, paymentID string) ([]Refund, error) {
	if !validID(paymentID) {
		return nil, fmt.Errorf("worldline: bad payment id %q: %w", paymentID, booking.ErrInvalid)
	}
	var out refundsJSON
	if err := c.do(ctx, http.MethodGet, "payments/"+paymentID+"/refunds", nil, "", &out); err != nil {
		return nil, err
	}
	refunds := make([]Refund, 0, len(out.Refunds))
	for i := range out.Refunds {
		r, err := out.Refunds[i].refund()
		if err != nil {
			return nil, err
		}
		refunds = append(refunds, r)
	}
	return refunds, nil
}
