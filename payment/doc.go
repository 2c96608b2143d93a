// Package payment holds what every booking.Processor adapter shares: unwrapping the
// card token that Google Pay sends, and exact conversion between booking.Money (micros)
// and a processor's integer minor units.
//
// The adapters live in subpackages, among them sandbox (in-process, Stripe's test
// tokens, the default for demos and tests) and stripe (Stripe's REST API through
// stripe-go).
package payment
