package payment

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
)

// maxTokenLen bounds what ParseToken reads: a Stripe token object from Google Pay is
// about 1 KB, so anything far larger is not a token.
const maxTokenLen = 64 << 10

// stripeToken is the part of Stripe's token object that ParseToken needs. Google Pay
// (gateway "stripe") hands the whole object over as unparsed_payment_method_token.
type stripeToken struct {
	ID     string `json:"id"`
	Object string `json:"object"`
}

// ParseToken returns the processor's token id from Google's
// payment_processing_parameters.unparsed_payment_method_token. Google Pay usually sends
// the processor's token object serialized as JSON ({"id":"tok_…","object":"token",…}),
// sometimes once more quoted as a JSON string; a bare id such as "tok_visa" is returned
// as is. Empty, oversized or unparseable input, an object that is not a token, and ids
// with characters no Stripe id has are errors wrapping booking.ErrInvalid, so the token
// never reaches a processor in a shape it cannot mean.
func ParseToken(unparsed string) (string, error) {
	return parseToken(unparsed, 1)
}

// parseToken unwraps at most quotes levels of JSON string quoting.
func parseToken(unparsed string, quotes int) (string, error) {
	s := strings.TrimSpace(unparsed)
	switch {
	case s == "":
		return "", fmt.Errorf("payment: empty payment token: %w", booking.ErrInvalid)
	case len(s) > maxTokenLen:
		return "", fmt.Errorf("payment: payment token of %d bytes is too long: %w", len(s), booking.ErrInvalid)
	case s[0] == '"' && quotes > 0:
		var inner string
		if err := json.Unmarshal([]byte(s), &inner); err != nil {
			return "", fmt.Errorf("payment: payment token is not a valid JSON string: %w", booking.ErrInvalid)
		}
		return parseToken(inner, quotes-1)
	case s[0] == '{':
		var tok stripeToken
		if err := json.Unmarshal([]byte(s), &tok); err != nil {
			return "", fmt.Errorf("payment: payment token is not valid JSON: %w", booking.ErrInvalid)
		}
		if tok.Object != "" && tok.Object != "token" {
			return "", fmt.Errorf("payment: payment token object is %q, want \"token\": %w", tok.Object, booking.ErrInvalid)
		}
		if tok.ID == "" {
			return "", fmt.Errorf("payment: payment token object has no id: %w", booking.ErrInvalid)
		}
		return checkID(tok.ID)
	default:
		return checkID(s)
	}
}

// checkID accepts what a processor id looks like: letters, digits and underscores
// (tok_1N3T00LkdIwHu7ixt44h1F8k), at most 255 of them.
func checkID(id string) (string, error) {
	if len(id) > 255 {
		return "", fmt.Errorf("payment: payment token id of %d bytes is too long: %w", len(id), booking.ErrInvalid)
	}
	for _, r := range id {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "", fmt.Errorf("payment: payment token id %q has a character other than [A-Za-z0-9_]: %w", id, booking.ErrInvalid)
		}
	}
	return id, nil
}
