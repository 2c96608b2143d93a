package sandbox

import (
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// Charge is a snapshot of one charge or authorization, for test assertions.
type Charge struct {
	// ID is the transaction id (ch_sandbox_… or pi_sandbox_…).
	ID string
	// BookingID is the booking the payment was made for.
	BookingID string
	// Authorized is the amount first taken or held.
	Authorized booking.Money
	// Captured is what was taken: Authorized for a charge, the captured part (or zero)
	// for an authorization.
	Captured booking.Money
	// Refunded is the sum of the refunds.
	Refunded booking.Money
	// Voided says the authorization was released.
	Voided bool
}

// Charges returns every charge and authorization in the order they were made.
func (p *Processor) Charges() []Charge {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Charge, 0, len(p.order))
	for _, id := range p.order {
		ps := p.payments[id]
		out = append(out, Charge{
			ID:         ps.id,
			BookingID:  ps.bookingID,
			Authorized: booking.Money{Micros: ps.authorized, Currency: ps.currency},
			Captured:   booking.Money{Micros: ps.captured, Currency: ps.currency},
			Refunded:   booking.Money{Micros: ps.refunded, Currency: ps.currency},
			Voided:     ps.voided,
		})
	}
	return out
}

// Totals sums one booking's money at the sandbox, for test assertions.
type Totals struct {
	// Captured is what was charged or captured.
	Captured booking.Money
	// Refunded is what was refunded.
	Refunded booking.Money
	// Held is what is authorized and neither captured nor voided.
	Held booking.Money
}

// Totals sums the payments made for bookingID. A booking is paid in one currency; it
// panics if the booking's payments mix currencies, since no sum of them is exact.
func (p *Processor) Totals(bookingID string) Totals {
	var t Totals
	for _, c := range p.Charges() {
		if c.BookingID != bookingID {
			continue
		}
		if t.Captured.Currency == "" {
			t.Captured.Currency, t.Refunded.Currency, t.Held.Currency = c.Captured.Currency, c.Captured.Currency, c.Captured.Currency
		}
		if c.Captured.Currency != t.Captured.Currency {
			panic(fmt.Sprintf("sandbox: booking %s has payments in %s and %s", bookingID, t.Captured.Currency, c.Captured.Currency))
		}
		t.Captured.Micros += c.Captured.Micros
		t.Refunded.Micros += c.Refunded.Micros
		if !c.Voided && c.Captured.Micros == 0 {
			t.Held.Micros += c.Authorized.Micros
		}
	}
	return t
}
