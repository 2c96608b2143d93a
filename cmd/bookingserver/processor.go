package main

import (
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/sandbox"
	"github.com/bookingserver/bookingserver/payment/stripe"
)

// processorConfig chooses the payment processor of Actions Center bookings.
type processorConfig struct {
	name             string
	stripeKey        string
	stripeBaseURL    string
	recoveryInterval time.Duration
}

func (p *processorConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&p.name, "payment-processor", "sandbox", "payment processor: sandbox (in-process, Stripe's test tokens; demos and tests) or stripe")
	secretFlag(fs, &p.stripeKey, "stripe-secret-key", "Stripe secret key (sk_…), required with --payment-processor stripe")
	fs.StringVar(&p.stripeBaseURL, "stripe-base-url", stripe.DefaultBaseURL, "Stripe API base URL (stripe-mock for tests)")
	fs.DurationVar(&p.recoveryInterval, "payment-recovery-interval", time.Minute, "how often payments and refunds left pending (a timeout, a lost answer) are settled by asking the processor")
}

// processor builds the configured processor.
func (p processorConfig) processor() (booking.Processor, error) {
	switch p.name {
	case "sandbox":
		slog.Warn("payment processor: sandbox — no real money moves; use --payment-processor stripe in production")
		return sandbox.New(sandbox.Options{}), nil
	case "stripe":
		if p.stripeKey == "" {
			return nil, fmt.Errorf("--payment-processor stripe needs --stripe-secret-key")
		}
		return stripe.New(stripe.Config{SecretKey: p.stripeKey, BaseURL: p.stripeBaseURL})
	}
	return nil, fmt.Errorf("unknown --payment-processor %q: use sandbox or stripe", p.name)
}
