package worldline

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
)

// ProductBimpliCADO is Worldline's payment product id for the Bimpli CADO gift card
// (EUR only; the buyer may combine up to three cards and pay the rest by card on the
// same page).
const ProductBimpliCADO = 3103

// CheckoutRequest asks for a Hosted Checkout Page for one booking.
type CheckoutRequest struct {
	// Amount is exactly what the buyer pays.
	Amount booking.Money
	// MerchantReference is our booking id; Worldline returns it on the payment.
	MerchantReference string
	// CustomerEmail is order.customer.contactDetails.emailAddress.
	CustomerEmail string
	// Locale is the page's language, e.g. "fr_FR".
	Locale string
	// ReturnURL is where Worldline sends the buyer afterwards.
	ReturnURL string
	// PaymentProductID, when not zero, sends the buyer straight to that method's page
	// (ProductBimpliCADO); zero shows every method active on the account.
	PaymentProductID int
	// WebhookURLs, when set, overrides the portal's webhook endpoints for this
	// checkout (feedbacks.webhookUrls), e.g. ".../v1/webhooks/worldline/{merchant}".
	WebhookURLs []string
	// IdempotenceKey, when set, makes a retried create return the first answer.
	IdempotenceKey string
}

// Checkout is the created hosted checkout.
type Checkout struct {
	// HostedCheckoutID is what GetHostedCheckout takes.
	HostedCheckoutID string
	// RedirectURL is where to send the buyer.
	RedirectURL string
	// ReturnMAC is echoed on the buyer's return (as RETURNMAC); compare it to tell a
	// genuine return from a forged one.
	ReturnMAC string
	// MerchantReference echoes the request's.
	MerchantReference string
}

type createCheckoutJSON struct {
	Order struct {
		AmountOfMoney amountOfMoney `json:"amountOfMoney"`
		Customer      *struct {
			ContactDetails struct {
				EmailAddress string `json:"emailAddress"`
			} `json:"contactDetails"`
		} `json:"customer,omitempty"`
		References struct {
			MerchantReference string `json:"merchantReference,omitempty"`
		} `json:"references"`
	} `json:"order"`
	HostedCheckoutSpecificInput struct {
		Locale    string `json:"locale,omitempty"`
		ReturnURL string `json:"returnUrl,omitempty"`
	} `json:"hostedCheckoutSpecificInput"`
	// CardPaymentMethodSpecificInput asks for a sale (authorised and captured at once):
	// the booking is confirmed by the captured payment. A payment that still arrives
	// PENDING_CAPTURE (an account or product in authorise-only mode) is captured when
	// its webhook is applied (Client.Capture).
	CardPaymentMethodSpecificInput struct {
		AuthorizationMode string `json:"authorizationMode"`
	} `json:"cardPaymentMethodSpecificInput"`
	RedirectPaymentMethodSpecificInput *redirectInputJSON `json:"redirectPaymentMethodSpecificInput,omitempty"`
	Feedbacks                          *struct {
		WebhookURLs []string `json:"webhookUrls"`
	} `json:"feedbacks,omitempty"`
}

type redirectInputJSON struct {
	PaymentProductID int `json:"paymentProductId"`
	// RequiresApproval false: captured at once (no separate capture), as for cards.
	RequiresApproval bool   `json:"requiresApproval"`
	ReturnURL        string `json:"returnUrl,omitempty"`
}

type checkoutResponseJSON struct {
	HostedCheckoutID  string `json:"hostedCheckoutId"`
	RedirectURL       string `json:"redirectUrl"`
	ReturnMAC         string `json:"RETURNMAC"`
	MerchantReference string `json:"merchantReference"`
}

// CreateHostedCheckout creates a hosted checkout
// (POST /v2/{merchantId}/hostedcheckouts). With ProductBimpliCADO the amount must be
// in EUR.
func (c *Client) CreateHostedCheckout(ctx context.Context, req CheckoutRequest) (Checkout, error) {
	amount, err := toAmount(req.Amount)
	if err != nil {
		return Checkout{}, err
	}
	if req.PaymentProductID == ProductBimpliCADO && amount.CurrencyCode != "EUR" {
		return Checkout{}, fmt.Errorf("worldline: Bimpli CADO takes EUR only, not %s: %w", amount.CurrencyCode, booking.ErrInvalid)
	}
	if req.PaymentProductID < 0 {
		return Checkout{}, fmt.Errorf("worldline: payment product %d: %w", req.PaymentProductID, booking.ErrInvalid)
	}
	var body createCheckoutJSON
	body.Order.AmountOfMoney = amount
	body.Order.References.MerchantReference = req.MerchantReference
	if req.CustomerEmail != "" {
		body.Order.Customer = &struct {
			ContactDetails struct {
				EmailAddress string `json:"emailAddress"`
			} `json:"contactDetails"`
		}{}
		body.Order.Customer.ContactDetails.EmailAddress = req.CustomerEmail
	}
	body.HostedCheckoutSpecificInput.Locale = req.Locale
	body.HostedCheckoutSpecificInput.ReturnURL = req.ReturnURL
	body.CardPaymentMethodSpecificInput.AuthorizationMode = "SALE"
	if req.PaymentProductID != 0 {
		body.RedirectPaymentMethodSpecificInput = &redirectInputJSON{PaymentProductID: req.PaymentProductID, ReturnURL: req.ReturnURL}
	}
	if len(req.WebhookURLs) > 0 {
		body.Feedbacks = &struct {
			WebhookURLs []string `json:"webhookUrls"`
		}{WebhookURLs: req.WebhookURLs}
	}
	var out checkoutResponseJSON
	if err := c.do(ctx, http.MethodPost, "hostedcheckouts", body, req.IdempotenceKey, &out); err != nil {
		return Checkout{}, err
	}
	if out.HostedCheckoutID == "" || out.RedirectURL == "" {
		return Checkout{}, fmt.Errorf("worldline: answer without hostedCheckoutId or redirectUrl: %w", booking.ErrUnavailable)
	}
	return Checkout(out), nil
}

// HostedCheckoutStatus is GetHostedCheckout's answer.
type HostedCheckoutStatus struct {
	// Status is Worldline's checkout status: IN_PROGRESS, PAYMENT_CREATED,
	// CANCELLED_BY_CONSUMER, CLIENT_NOT_ELIGIBLE_FOR_SELECTED_PAYMENT_PRODUCT.
	Status string
	// Payment is the payment the checkout created, when Status is PAYMENT_CREATED.
	Payment *Payment
}

type checkoutStatusJSON struct {
	Status               string `json:"status"`
	CreatedPaymentOutput *struct {
		Payment *paymentJSON `json:"payment"`
	} `json:"createdPaymentOutput"`
}

// GetHostedCheckout reads a checkout (GET /v2/{merchantId}/hostedcheckouts/{id}), on
// the buyer's return.
func (c *Client) GetHostedCheckout(ctx context.Context, hostedCheckoutID string) (HostedCheckoutStatus, error) {
	if !validID(hostedCheckoutID) {
		return HostedCheckoutStatus{}, fmt.Errorf("worldline: bad hosted checkout id %q: %w", hostedCheckoutID, booking.ErrInvalid)
	}
	var out checkoutStatusJSON
	if err := c.do(ctx, http.MethodGet, "hostedcheckouts/"+hostedCheckoutID, nil, "", &out); err != nil {
		return HostedCheckoutStatus{}, err
	}
	st := HostedCheckoutStatus{Status: strings.ToUpper(out.Status)}
	if out.CreatedPaymentOutput != nil && out.CreatedPaymentOutput.Payment != nil {
		p, err := out.CreatedPaymentOutput.Payment.payment()
		if err != nil {
			return HostedCheckoutStatus{}, err
		}
		st.Payment = &p
	}
	return st, nil
}
