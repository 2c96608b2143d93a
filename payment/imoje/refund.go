package imoje

import (
	"context"
	"fmt"

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
	if err := c.post(ctx, "transaction/"+req.TransactionID+"/refund", body, &out); err != nil {
		return Refund{}, err
	}
	n, err := out.notification()
	if err != nil {
		return Refund{}, err
	}
	return Refund{ID: n.TransactionID, Status: n.Status, State: n.State, Amount: n.Amount}, nil
}
