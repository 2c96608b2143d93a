package worldline

import "github.com/bookingserver/bookingserver/payment"

// State is what a Worldline payment or refund status means for a booking's payment:
// the states shared by every gateway (payment.GatewayState).
type State = payment.GatewayState

// The states, as this gateway's statuses map to them.
const (
	// StatePending: nothing final (created, redirected, pending, authorization or
	// capture requested, authorized awaiting capture, refund requested).
	StatePending = payment.GatewayPending
	// StateCollected: the payment is captured; the merchant has the money.
	StateCollected = payment.GatewayCollected
	// StateFailed: rejected (authorization or capture).
	StateFailed = payment.GatewayFailed
	// StateCancelled: cancelled or reversed before capture.
	StateCancelled = payment.GatewayCancelled
	// StateRefunded: a refund completed (or a payment is wholly refunded).
	StateRefunded = payment.GatewayRefunded
)

// stateOf maps a Worldline Direct payment or refund status to a State. ok is false
// for a status Worldline does not document; callers treat it as pending and re-read.
func stateOf(status string) (s State, ok bool) {
	switch status {
	case "CREATED", "REDIRECTED", "PENDING_PAYMENT", "PENDING_COMPLETION", "PENDING_CAPTURE",
		"AUTHORIZATION_REQUESTED", "CAPTURE_REQUESTED", "REFUND_REQUESTED":
		return StatePending, true
	case "CAPTURED":
		return StateCollected, true
	case "REJECTED", "REJECTED_CAPTURE":
		return StateFailed, true
	case "CANCELLED", "REVERSED":
		return StateCancelled, true
	case "REFUNDED":
		return StateRefunded, true
	}
	return StatePending, false
}
