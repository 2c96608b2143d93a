package sandbox

import (
	"slices"

	"github.com/bookingserver/bookingserver/booking"
)

// card is what a test token stands for.
type card struct {
	// brand is the card network, in Stripe's lower-case spelling ("visa", "amex").
	brand string
	// decline is the decline code of every charge or save; empty when the card works.
	decline string
	// chargeDecline declines charges only, after the card saved fine
	// (tok_chargeCustomerFail).
	chargeDecline string
}

// tokens maps Stripe's documented test tokens to their behaviour.
var tokens = map[string]card{
	"tok_visa":               {brand: "visa"},
	"tok_visa_debit":         {brand: "visa"},
	"tok_mastercard":         {brand: "mastercard"},
	"tok_mastercard_debit":   {brand: "mastercard"},
	"tok_mastercard_prepaid": {brand: "mastercard"},
	"tok_amex":               {brand: "amex"},
	"tok_discover":           {brand: "discover"},
	"tok_diners":             {brand: "diners"},
	"tok_jcb":                {brand: "jcb"},
	"tok_unionpay":           {brand: "unionpay"},

	"tok_chargeDeclined":                      {brand: "visa", decline: "card_declined"},
	"tok_chargeDeclinedInsufficientFunds":     {brand: "visa", decline: "insufficient_funds"},
	"tok_chargeDeclinedExpiredCard":           {brand: "visa", decline: "expired_card"},
	"tok_chargeDeclinedLostCard":              {brand: "visa", decline: "lost_card"},
	"tok_chargeDeclinedStolenCard":            {brand: "visa", decline: "stolen_card"},
	"tok_chargeDeclinedIncorrectCvc":          {brand: "visa", decline: "incorrect_cvc"},
	"tok_chargeDeclinedProcessingError":       {brand: "visa", decline: "processing_error"},
	"tok_chargeDeclinedFraudulent":            {brand: "visa", decline: "fraudulent"},
	"tok_chargeDeclinedVelocityLimitExceeded": {brand: "visa", decline: "card_velocity_exceeded"},

	"tok_chargeCustomerFail": {brand: "visa", chargeDecline: "card_declined"},
}

// checkToken returns the card behind token, or the decline for saving it. charging
// says whether money is about to move (which tok_chargeCustomerFail refuses).
func (p *Processor) checkToken(token string, charging bool) (card, error) {
	c, ok := tokens[token]
	switch {
	case !ok:
		return card{}, &booking.DeclineError{Code: "invalid_token"}
	case p.opts.AcceptedBrands != nil && !slices.Contains(p.opts.AcceptedBrands, c.brand):
		return card{}, &booking.DeclineError{Code: "card_not_supported", CardTypeRejected: true}
	case c.decline != "":
		return card{}, &booking.DeclineError{Code: c.decline}
	case charging && c.chargeDecline != "":
		return card{}, &booking.DeclineError{Code: c.chargeDecline}
	}
	return c, nil
}
