package main

import (
	"flag"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/gateways"
	"github.com/bookingserver/bookingserver/payment/secrets"
)

// gatewayConfig configures the merchants' payment gateway accounts: the key that seals
// their secrets at rest. Without it, gateway accounts and webhooks answer
// FailedPrecondition and IMOJE/WORLDLINE bookings are refused.
type gatewayConfig struct {
	secretsKey string
}

func (c *gatewayConfig) register(fs *flag.FlagSet) {
	secretFlag(fs, &c.secretsKey, "secrets-key", "32-byte key (64 hex digits or base64) sealing the merchants' gateway secrets (AES-256-GCM); keep it out of the data directory")
}

// registry builds the gateway registry over st, or nil when no key is configured. The
// error never repeats the key.
func (c gatewayConfig) registry(st booking.Store) (*gateways.Registry, error) {
	if c.secretsKey == "" {
		return nil, nil
	}
	key, err := secrets.ParseKey(c.secretsKey)
	if err != nil {
		return nil, err
	}
	return gateways.New(gateways.Config{Store: st, Key: key})
}

// hosted is the registry as the booking core's HostedGateways (a nil interface, not a
// nil pointer, when there is none).
func hosted(r *gateways.Registry) booking.HostedGateways {
	if r == nil {
		return nil
	}
	return r
}
