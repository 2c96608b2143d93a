package worldline

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bookingserver/bookingserver/booking"
)

// CaptureRequest captures an authorised payment (status PENDING_CAPTURE), as an
// account in authorise-only mode leaves it.
type CaptureRequest struct {
	// PaymentID is the authorised payment ("paymentid_0").
	PaymentID string
	// Amount is what to capture: the whole authorised amount for a booking.
	Amount booking.Money
	// IdempotenceKey (X-GCS-Idempotence-Key) makes a retried capture answer the first.
	IdempotenceKey string
}

// Capture is Worldline's answer to a capture.
type Capture struct {
	// ID is the capture operation's id ("paymentid_operationid").
	ID string
	// Status is Worldline's raw status and State its meaning: StateCollected once
	// CAPTURED, StatePending while CAPTURE_REQUESTED.
	Status string
	State  State
	// Amount is what is captured.
	Amount booking.Money
}

type captureRequestJSON struct {
	// Amount is in minor units of the payment's currency (Worldline's
	// CapturePaymentRequest has no currency: it is the payment's).
	Amount int64 `json:"amount"`
	// IsFinal: no further capture of this payment follows.
	IsFinal bool `json:"isFinal"`
}

type captureJSON struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	CaptureOutput *struct {
		AmountOfMoney *amountOfMoney `json:"amountOfMoney"`
	} `json:"captureOutput"`
}

// Capture captures an authorised payment wholly and finally
// (POST /v2/{merchantId}/payments/{paymentId}/capture).
func (c *Client) Capture(ctx context.Context, req CaptureRequest) (Capture, error) {
	if !validID(req.PaymentID) {
		return Capture{}, fmt.Errorf("worldline: bad payment id %q: %w", req.PaymentID, booking.ErrInvalid)
	}
	amount, err := toAmount(req.Amount)
	if err != nil {
		return Capture{}, err
	}
	var out captureJSON
	if err := c.do(ctx, http.MethodPost, "payments/"+req.PaymentID+"/capture", captureRequestJSON{Amount: amount.Amount, IsFinal: true}, req.IdempotenceKey, &out); err != nil {
		return Capture{}, err
	}
	state, ok := stateOf(out.Status)
	if out.ID == "" || out.CaptureOutput == nil || !ok {
		return Capture{}, fmt.Errorf("worldline: capture answer without id, captureOutput or a known status (%q): %w", out.Status, booking.ErrUnavailable)
	}
	captured, err := out.CaptureOutput.AmountOfMoney.money()
	if err != nil {
		return Capture{}, err
	}
	return Capture{ID: out.ID, Status: out.Status, State: state, Amount: captured}, nil
}
