// Package gateways keeps each merchant's payment gateway accounts (imoje, Worldline
// Direct, Stripe) and speaks to the gateways on the merchant's behalf: it implements
// booking.HostedGateways (hosted checkout, split-tender plans and refunds) and turns
// signed webhooks into verified booking.GatewayEvents.
//
// Secrets (API tokens, shop keys, webhook secrets) are write-only: Set… seals each with
// payment/secrets under the server's --secrets-key, bound to its merchant, gateway and
// field; Get answers only whether each is set; they are opened in memory as
// secrets.Secret, which never prints, just before a request is signed or a webhook is
// verified. Without a key no account can be set or used (ErrNoKey).
package gateways
