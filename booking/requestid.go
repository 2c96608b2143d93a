package booking

import (
	"crypto/sha256"
	"fmt"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// A merchant's request_id is its idempotency key for every call of the merchant API
// that changes something: merchant-channel bookings and the actions on a booking
// (confirm, decline, no-show, cancel, refund) share one namespace in the idempotency
// bucket (merchantTokenPrefix). A replay (same action, booking and body) answers as the
// first call did; anything else under a used id is ErrRequestIDReused, naming what the
// id did, because answering it as a replay would report success for a change never made.

// merchantRequest is one merchant action as its request id is bound to it.
type merchantRequest struct {
	action    string // "refund", "cancel", …
	bookingID string
	requestID string
	// body is the rest of the request that must match on a replay (a refund's amount
	// and reason).
	body string
}

// binding is the idempotency key of the request id — in the namespace of merchantID,
// the booking's merchant, as CreateMerchantBooking's — and the hash of what it does.
func (r merchantRequest) binding(merchantID string) (token string, hash []byte) {
	sum := sha256.Sum256(fmt.Appendf(nil, "action\x00%s\x00%s\x00%s", r.action, r.bookingID, r.body))
	return merchantToken(merchantID, r.requestID), sum[:]
}

// merchantToken is the idempotency key of a merchant's request id: request ids are the
// merchant's own, so two merchants may use the same one.
func merchantToken(merchantID, requestID string) string {
	return merchantTokenPrefix + merchantID + ":" + requestID
}

// String names the action for a refusal: "refund of booking bk_1".
func (r merchantRequest) String() string {
	return r.action + " of booking " + r.bookingID
}

// requestIDReused is the refusal of a reused merchant request id whose first use is
// recorded in prior.
func requestIDReused(prior *bsv1.IdempotencyRecord) error {
	did := prior.GetAction()
	if did == "" {
		did = "a booking (POST /v1/bookings)"
	}
	return fmt.Errorf("this request_id was already used for %s; a retry must repeat that request exactly, anything else needs a new request_id: %w", did, ErrRequestIDReused)
}
