package imoje

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bookingserver/bookingserver/booking"
)

// RefundRequest returns part or all of a settled sale.
type RefundRequest struct {
	// TransactionID is the sale's transaction id (Notification.TransactionID).
	TransactionID string
	// Amount is what to return; the caller enforces refunded ≤ collected before the
	// call (imoje enforces it too).
	Amount booking.Money
}

// Refund is imoje's refund transaction.
type Refund struct {
	// ID is the refund transaction's id; its notification carries the same id, which
	// is how an echo of our own refund is recognised and not counted twice.
	ID string
	// Status is imoje's raw status and State its meaning.
	Status string
	State  State
	// Amount is what imoje says it refunds.
	Amount booking.Money
	// CreatedUnix is when imoje created it (Refunds only; 0 when imoje does not say).
	CreatedUnix int64
}

type refundRequestJSON struct {
	Type      string `json:"type"`
	ServiceID string `json:"serviceId"`
	Amount    int64  `json:"amount"`
}

// Refund asks imoje to refund (POST /v1/merchant/{merchantId}/transaction/{id}/refund).
func (c *Client) Refund(ctx context.Context, req RefundRequest) (Refund, error) {
	if !validID(req.TransactionID) {
		return Refund{}, fmt.Errorf("imoje: bad transaction id %q: %w", req.TransactionID, booking.ErrInvalid)
	}
	amount, err := toMinor(req.Amount)
	if err != nil {
		return Refund{}, err
	}
	var out notificationJSON
	body := refundRequestJSON{Type: string(KindRefund), ServiceID: c.cfg.ServiceID, Amount: amount}
	if err := c.do(ctx, http.MethodPost, "transaction/"+req.TransactionID+"/refund", body, &out); err != nil {
		return Refund{}, err
	}
	n, err := out.notification()
	if err != nil {
		return Refund{}, err
	}
	return Refund{ID: n.TransactionID, Status: n.Status, State: n.State, Amount: n.Amount}, nil
}

type transactionRefundsJSON struct {
	Transaction *struct {
		Refunds []notificationJSON `json:"refunds"`
	} `json:"transaction"`
}

// Refunds lists the refund transactions of a sale, as imoje's transaction lookup
// answers them (GET /v1/merchant/{merchantId}/transaction/{id}: transaction.refunds,
// each a {"transaction": …} like a notification's). imoje's refund call has no
// idempotency key, so this is how the outcome of a refund whose answer was lost is
// learnt without refunding again.
func (c *Client) Refunds(ctx context.Context, transactionID string) ([]Refund, error) {
	if !validID(transactionID) {
		return nil, fmt.Errorf("imoje: bad transaction id %q: %w", transactionID, booking.ErrInvalid)
	}
	var out transactionRefundsJSON
	if err := c.do(ctx, http.MethodGet, "transaction/"+transactionID, nil, &out); err != nil {
		return nil, err
	}
	if out.Transaction == nil {
		return nil, fmt.Errorf("imoje: transaction %s: answer without transaction: %w", transactionID, booking.ErrUnavailable)
	}
	refunds := make([]Refund, 0, len(out.Transaction.Refunds))
	for _, r := range out.Transaction.Refunds {
		n, err := r.notification()
		if err != nil {
			return nil, err
		}
		if n.Kind != KindRefund {
			return nil, fmt.Errorf("imoje: transaction %s lists %s %s as a refund: %w", transactionID, n.Kind, n.TransactionID, booking.ErrInvalid)
		}
		refunds = append(refunds, Refund{ID: n.TransactionID, Status: n.Status, State: n.State, Amount: n.Amount, CreatedUnix: r.Transaction.Created})
	}
	return refunds, nil
}
