package imoje

import "github.com/bookingserver/bookingserver/payment"

// State is what an imoje transaction status means for a booking's payment: the states shared
// by every gateway (payment.GatewayState).
type State = payment.GatewayState

// The states, as this gateway's statuses map to them.
const (
	// StatePending: nothing final yet (new, pending, submitted, or a card
	// authorization that still awaits capture).
	StatePending = payment.GatewayPending
	// StateCollected: the merchant has the money (settled, or pay-later authorized).
	StateCollected = payment.GatewayCollected
	// StateFailed: the payment was rejected or ended in error; the buyer may retry.
	StateFailed = payment.GatewayFailed
	// StateCancelled: the buyer or the merchant cancelled before payment.
	StateCancelled = payment.GatewayCancelled
	// StateRefunded: a refund transaction settled (Notification.Amount says how much).
	StateRefunded = payment.GatewayRefunded
)

// Kind says whether a transaction takes money (a sale) or returns it (a refund).
type Kind string

const (
	// KindSale is a payment by the buyer.
	KindSale Kind = "sale"
	// KindRefund is money returned to the buyer.
	KindRefund Kind = "refund"
)

// payLaterMethods are imoje payment methods where imoje pays the merchant at once and
// collects from the buyer later (up to 30 days), so "authorized" already means the
// merchant is paid.
var payLaterMethods = map[string]bool{"imoje_paylater": true, "paylater": true}

// stateOf maps imoje's transaction status, for a transaction of kind and payment
// method, to a State. ok is false for a status imoje does not document.
func stateOf(kind Kind, status, method string) (s State, ok bool) {
	switch status {
	case "new", "pending", "submitted":
		return StatePending, true
	case "authorized":
		if kind == KindSale && payLaterMethods[method] {
			return StateCollected, true
		}
		return StatePending, true
	case "settled":
		if kind == KindRefund {
			return StateRefunded, true
		}
		return StateCollected, true
	case "rejected", "error":
		return StateFailed, true
	case "cancelled":
		return StateCancelled, true
	}
	return StatePending, false
}
