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

// startCartSweeper runs the cart sweeper (first sweep at once: what fell due while the
// server was down) until the returned stop function is called; stop waits for it.
func startCartSweeper(ctx context.Context, core *booking.Service, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { core.SweepCarts(ctx, every) })
	return func() {
		cancel()
		wg.Wait()
	}
}
