package imoje

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
)

// Customer is the buyer as imoje's paywall shows and pre-fills it.
type Customer struct {
	FirstName, LastName, Email, Phone string
}

// PaymentRequest asks imoje for a payment link for one booking.
type PaymentRequest struct {
	// OrderID is our booking id; imoje returns it in every notification.
	OrderID string
	// Amount is exactly what the buyer pays (PLN, EUR, … in whole minor units).
	Amount booking.Money
	// Title is shown to the buyer on the paywall.
	Title string
	// Customer pre-fills the paywall.
	Customer Customer
	// ReturnURL is where the buyer comes back after paying (or not). SuccessURL and
	// FailureURL, when set, replace it for each outcome.
	ReturnURL, SuccessURL, FailureURL string
}

// Payment is imoje's answer to CreatePayment.
type Payment struct {
	// ID is imoje's payment id; store it on the booking.
	ID string
	// URL is the paywall to redirect the buyer to.
	URL string
}

type customerJSON struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

type paymentRequestJSON struct {
	ServiceID        string       `json:"serviceId"`
	Amount           int64        `json:"amount"`
	Currency         string       `json:"currency"`
	OrderID          string       `json:"orderId"`
	Title            string       `json:"title,omitempty"`
	ReturnURL        string       `json:"returnUrl,omitempty"`
	SuccessReturnURL string       `json:"successReturnUrl,omitempty"`
	FailureReturnURL string       `json:"failureReturnUrl,omitempty"`
	Customer         customerJSON `json:"customer"`
}

type paymentResponseJSON struct {
	Payment struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	} `json:"payment"`
}

// CreatePayment creates a payment link (POST /v1/merchant/{merchantId}/payment) for
// req and returns where to send the buyer. imoje documents no idempotency key, so a
// retry after a timeout may create a second link; both carry the same OrderID and only
// a paid one produces a settled notification.
func (c *Client) CreatePayment(ctx context.Context, req PaymentRequest) (Payment, error) {
	if req.OrderID == "" {
		return Payment{}, fmt.Errorf("imoje: order id is required: %w", booking.ErrInvalid)
	}
	amount, err := toMinor(req.Amount)
	if err != nil {
		return Payment{}, err
	}
	body := paymentRequestJSON{
		ServiceID:        c.cfg.ServiceID,
		Amount:           amount,
		Currency:         strings.ToUpper(req.Amount.Currency),
		OrderID:          req.OrderID,
		Title:            req.Title,
		ReturnURL:        req.ReturnURL,
		SuccessReturnURL: req.SuccessURL,
		FailureReturnURL: req.FailureURL,
		Customer: customerJSON{
			FirstName: req.Customer.FirstName, LastName: req.Customer.LastName,
			Email: req.Customer.Email, Phone: req.Customer.Phone,
		},
	}
	var out paymentResponseJSON
	if err := c.do(ctx, http.MethodPost, "payment", body, &out); err != nil {
		return Payment{}, err
	}
	if out.Payment.ID == "" || out.Payment.URL == "" {
		return Payment{}, fmt.Errorf("imoje: answer without payment id or url: %w", booking.ErrUnavailable)
	}
	return Payment{ID: out.Payment.ID, URL: out.Payment.URL}, nil
}
