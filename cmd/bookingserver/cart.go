package main

import (
	"context"
	"flag"
	"sync"
	"time"

	"github.com/bookingserver/bookingserver/booking"
)

// cartConfig configures cart payment: the abuse limits on unpaid holds and how often
// the sweeper cancels expired ones.
type cartConfig struct {
	perCustomer, perSlot int
	sweepInterval        time.Duration
}

func (c *cartConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&c.perCustomer, "cart-holds-per-customer", booking.DefaultCartLimits.PerCustomer, "most unpaid cart bookings one customer (user_id or email) may hold at once")
	fs.IntVar(&c.perSlot, "cart-holds-per-slot", booking.DefaultCartLimits.PerSlot, "most unpaid cart bookings one slot may hold at once")
	fs.DurationVar(&c.sweepInterval, "cart-sweep-interval", 10*time.Second, "how often unpaid cart bookings past their deadline are cancelled")
}

func (c cartConfig) limits() booking.CartLimits {
	return booking.CartLimits{PerCustomer: c.perCustomer, PerSlot: c.perSlot}
}

// background runs fn in a goroutine until the returned stop function is called; stop
// cancels fn's context and waits for fn to return (so it ends before the store closes).
func background(ctx context.Context, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { fn(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}
