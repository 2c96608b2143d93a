package stripe

import (
	"errors"
	"fmt"
	"net/http"

	stripeapi "github.com/stripe/stripe-go/v85"

	"github.com/bookingserver/bookingserver/booking"
)

// classify turns what stripe-go returned for op into the errors booking.Processor
// promises. Stripe's message is kept (it names the parameter at fault) but not its
// JSON, which can echo the PaymentIntent.
func classify(op string, err error) error {
	var se *stripeapi.Error
	if !errors.As(err, &se) {
		// The request failed in transport or the answer was unreadable: the outcome is
		// unknown, and a retry with the same idempotency key is the way to learn it.
		return fmt.Errorf("stripe: %s: %w: %w", op, booking.ErrUnavailable, err)
	}
	detail := fmt.Sprintf("%d %s %s: %s (request %s)", se.HTTPStatusCode, se.Type, se.Code, se.Msg, se.RequestID)
	switch {
	case se.Type == stripeapi.ErrorTypeCard:
		return fmt.Errorf("stripe: %s: %w", op, decline(se))
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500:
		return fmt.Errorf("stripe: %s: %w: %s", op, booking.ErrUnavailable, detail)
	case se.Type == stripeapi.ErrorTypeIdempotency:
		return fmt.Errorf("stripe: %s: %w: %s", op, booking.ErrConflict, detail)
	}
	return fmt.Errorf("stripe: %s: %s", op, detail)
}

// decline turns a Stripe card error (or a PaymentIntent's last_payment_error) into a
// DeclineError: the decline_code when Stripe gives one ("insufficient_funds"),
// otherwise the error code ("card_declined", "expired_card"). card_not_supported means
// the card's network is not accepted.
func decline(se *stripeapi.Error) *booking.DeclineError {
	code := string(se.DeclineCode)
	if code == "" {
		code = string(se.Code)
	}
	if code == "" {
		code = "card_declined"
	}
	return &booking.DeclineError{Code: code, CardTypeRejected: code == "card_not_supported"}
}
