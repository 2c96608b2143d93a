package payment

// GatewayState is what a hosted-payment gateway's transaction status (imoje, Worldline)
// means for a booking's payment. Each gateway maps its own statuses onto it.
type GatewayState int

const (
	// GatewayPending: nothing final yet.
	GatewayPending GatewayState = iota
	// GatewayCollected: the merchant has the money.
	GatewayCollected
	// GatewayFailed: the payment was rejected or ended in error; the buyer may retry.
	GatewayFailed
	// GatewayCancelled: cancelled (or reversed) before the money was taken.
	GatewayCancelled
	// GatewayRefunded: a refund completed.
	GatewayRefunded
)

// String names the state for logs.
func (s GatewayState) String() string {
	switch s {
	case GatewayPending:
		return "pending"
	case GatewayCollected:
		return "collected"
	case GatewayFailed:
		return "failed"
	case GatewayCancelled:
		return "cancelled"
	case GatewayRefunded:
		return "refunded"
	}
	return "unknown"
}
