package booking

import bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"

// GatewayReadTx reads the gateway accounts and the webhook dedupe marks (part of ReadTx).
type GatewayReadTx interface {
	// GatewayAccount returns a merchant's stored account of one gateway, or ErrNotFound.
	GatewayAccount(merchantID, gateway string) (*bsv1.GatewayAccountRecord, error)
	// WebhookSeen reports whether a webhook with this dedupe key was already applied.
	WebhookSeen(key string) (bool, error)
}

// GatewayTx writes the gateway accounts and the webhook dedupe marks (part of Tx).
type GatewayTx interface {
	// PutGatewayAccount inserts or replaces a merchant's account of one gateway.
	PutGatewayAccount(r *bsv1.GatewayAccountRecord) error
	// MarkWebhook records that the webhook with this dedupe key was applied; write it
	// in the transaction of the webhook's effect, so the effect happens exactly once.
	MarkWebhook(key string, atUnix int64) error
}
