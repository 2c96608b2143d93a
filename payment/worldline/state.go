package worldline

// State is what a Worldline payment or refund status means for a booking's payment.
type State int

const (
	// StatePending: nothing final (created, redirected, pending, authorization or
	// capture requested, authorized awaiting capture, refund requested).
	StatePending State = iota
	// StateCollected: the payment is captured; the merchant has the money.
	StateCollected
	// StateFailed: rejected (authorization or capture).
	StateFailed
	// StateCancelled: cancelled or reversed before capture.
	StateCancelled
	// StateRefunded: a refund completed (or a payment is wholly refunded).
	StateRefunded
)

// String names the state for logs.
func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateCollected:
		return "collected"
	case StateFailed:
		return "failed"
	case StateCancelled:
		return "cancelled"
	case StateRefunded:
		return "refunded"
	}
	return "unknown"
}

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
