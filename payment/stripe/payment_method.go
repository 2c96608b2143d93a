package stripe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	stripeapi "github.com/stripe/stripe-go/v85"

	"github.com/bookingserver/bookingserver/booking"
)

// paymentMethod creates a card PaymentMethod from a single-use token, Stripe's
// documented way (card[token]) to use a token with PaymentIntents and SetupIntents. It
// is sent under key+":payment_method", so that a retried operation reuses it. A token
// Stripe refuses (unknown, already used) declines with "invalid_token".
func (p *Processor) paymentMethod(ctx context.Context, op, token, key string) (string, error) {
	if token == "" {
		return "", fmt.Errorf("stripe: %s: empty token: %w", op, booking.ErrInvalid)
	}
	pm, err := p.client.V1PaymentMethods.Create(ctx, &stripeapi.PaymentMethodCreateParams{
		Params: params(key+":payment_method", ""),
		Type:   stripeapi.String(string(stripeapi.PaymentMethodTypeCard)),
		Card:   &stripeapi.PaymentMethodCreateCardParams{Token: stripeapi.String(token)},
	})
	var se *stripeapi.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusBadRequest && strings.HasPrefix(se.Param, "card") {
		// Stripe refuses a token it does not know or that was used already: the
		// customer's card cannot pay, like a decline.
		return "", fmt.Errorf("stripe: %s: %s: %w", op, se.Msg, &booking.DeclineError{Code: "invalid_token"})
	}
	if err != nil {
		return "", classify(op, err)
	}
	return pm.ID, nil
}
