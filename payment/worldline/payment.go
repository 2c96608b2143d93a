package worldline

import (
	"context"
	"fmt"
	"net/http"

	"github.com/bookingserver/bookingserver/booking"
)

// Payment is a Worldline payment (one leg of a split tender: each gift card and the
// card are separate payments).
type Payment struct {
	// ID is Worldline's payment id.
	ID string
	// Status is Worldline's raw status and State its meaning.
	Status string
	State  State
	// StatusCategory and StatusCode are Worldline's finer status.
	StatusCategory string
	StatusCode     int
	// Amount is the payment's amount, exact.
	Amount booking.Money
	// MerchantReference is our booking id.
	MerchantReference string
	// PaymentProductID says how it was paid (ProductBimpliCADO, 1 Visa, 3 Mastercard…).
	PaymentProductID int
}

type paymentJSON struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	PaymentOutput *struct {
		AmountOfMoney *amountOfMoney `json:"amountOfMoney"`
		References    struct {
			MerchantReference string `json:"merchantReference"`
		} `json:"references"`
		PaymentMethod                       string `json:"paymentMethod"`
		RedirectPaymentMethodSpecificOutput *struct {
			PaymentProductID int `json:"paymentProductId"`
		} `json:"redirectPaymentMethodSpecificOutput"`
		CardPaymentMethodSpecificOutput *struct {
			PaymentProductID int `json:"paymentProductId"`
		} `json:"cardPaymentMethodSpecificOutput"`
	} `json:"paymentOutput"`
	StatusOutput struct {
		StatusCategory string `json:"statusCategory"`
		StatusCode     int    `json:"statusCode"`
	} `json:"statusOutput"`
}

func (p *paymentJSON) payment() (Payment, error) {
	if p.ID == "" || p.PaymentOutput == nil {
		return Payment{}, fmt.Errorf("worldline: payment without id or paymentOutput: %w", booking.ErrInvalid)
	}
	state, ok := stateOf(p.Status)
	if !ok {
		return Payment{}, fmt.Errorf("worldline: payment status %q: %w", p.Status, booking.ErrInvalid)
	}
	amount, err := p.PaymentOutput.AmountOfMoney.money()
	if err != nil {
		return Payment{}, err
	}
	out := Payment{
		ID: p.ID, Status: p.Status, State: state, Amount: amount,
		StatusCategory: p.StatusOutput.StatusCategory, StatusCode: p.StatusOutput.StatusCode,
		MerchantReference: p.PaymentOutput.References.MerchantReference,
	}
	switch {
	case p.PaymentOutput.RedirectPaymentMethodSpecificOutput != nil:
		out.PaymentProductID = p.PaymentOutput.RedirectPaymentMethodSpecificOutput.PaymentProductID
	case p.PaymentOutput.CardPaymentMethodSpecificOutput != nil:
		out.PaymentProductID = p.PaymentOutput.CardPaymentMethodSpecificOutput.PaymentProductID
	}
	return out, nil
}

// GetPayment reads a payment (GET /v2/{merchantId}/payments/{id}); call it before an
// irreversible change that a webhook announced.
func (c *Client) GetPayment(ctx context.Context, paymentID string) (Payment, error) {
	if !validID(paymentID) {
		return Payment{}, fmt.Errorf("worldline: bad payment id %q: %w", paymentID, booking.ErrInvalid)
	}
	var out paymentJSON
	if err := c.do(ctx, http.MethodGet, "payments/"+paymentID, nil, "", &out); err != nil {
		return Payment{}, err
	}
	return out.payment()
}
