package splittender

import (
	"errors"
	"fmt"
	"slices"

	"github.com/bookingserver/bookingserver/booking"
)

// Limits for Bimpli CADO split tenders.
const (
	// MaxGiftCards is how many gift cards one purchase may combine.
	MaxGiftCards = 3
	// Currency is the only currency Bimpli CADO takes.
	Currency = "EUR"
	// GiftCardMaxMicros is the most one gift-card leg may take: 250 €, the largest
	// face value of a card.
	GiftCardMaxMicros int64 = 250_000_000
	// maxMicros bounds every amount (one billion euros) so sums cannot overflow.
	maxMicros int64 = 1_000_000_000_000_000
)

// Errors. Each wraps booking.ErrInvalid or booking.ErrConflict so the server maps it.
var (
	// ErrOverRefund: the refund exceeds what a leg or the purchase has left.
	ErrOverRefund = errors.New("splittender: refund exceeds what was captured")
	// ErrRefundIDReused: a refund id was replayed with a different amount or leg.
	ErrRefundIDReused = errors.New("splittender: refund id reused with different content")
)

// Kind is a leg's kind of tender.
type Kind int

const (
	// GiftCard is a Bimpli CADO card.
	GiftCard Kind = iota + 1
	// Card is the Visa/Mastercard leg that pays the rest.
	Card
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case GiftCard:
		return "gift_card"
	case Card:
		return "card"
	}
	return "unknown"
}

// Leg is one payment within the purchase, with its own processor id and refund cap.
type Leg struct {
	// Kind is GiftCard or Card.
	Kind Kind
	// ProcessorID is the gateway's payment id for this leg (set once known).
	ProcessorID string
	// CapturedMicros is what the leg took; RefundedMicros what has gone back. The cap
	// RefundedMicros ≤ CapturedMicros always holds.
	CapturedMicros, RefundedMicros int64
}

// Remaining is what the leg can still refund, in micros.
func (l Leg) Remaining() int64 { return l.CapturedMicros - l.RefundedMicros }

// Tender is one purchase split across legs, in the order they were paid: gift cards
// first, then at most one card leg last.
type Tender struct {
	// Total is the purchase price; the legs' captured amounts sum to it exactly.
	Total booking.Money
	// Legs in payment order.
	Legs []Leg
	// Refunds applied so far, oldest first.
	Refunds []Refund
}

// Part is the share of one refund taken from one leg.
type Part struct {
	// Leg indexes Tender.Legs.
	Leg int
	// Micros is the amount returned by this leg.
	Micros int64
}

// Refund is one refund and how it was split.
type Refund struct {
	// ID is the caller's refund id. Refunds the gateway reports (echoes of ours,
	// back-office refunds) are recorded in the booking's ledger under the gateway's
	// refund id, not here.
	ID string
	// Micros is the refund's total.
	Micros int64
	// Parts says which legs returned how much.
	Parts []Part
}

// Plan builds the tender for total paid by the given gift-card amounts (what each
// card pays, in the order used) and one card leg for the rest, omitted when the gift
// cards cover everything. See Validate for the rules.
func Plan(total booking.Money, giftCards []booking.Money) (Tender, error) {
	t := Tender{Total: total}
	var sum int64
	for _, g := range giftCards {
		if g.Currency != Currency {
			return Tender{}, fmt.Errorf("splittender: gift card in %q, want EUR: %w", g.Currency, booking.ErrInvalid)
		}
		if g.Micros > 0 && g.Micros <= maxMicros {
			sum += g.Micros
		}
		t.Legs = append(t.Legs, Leg{Kind: GiftCard, CapturedMicros: g.Micros})
	}
	if rest := total.Micros - sum; rest > 0 {
		t.Legs = append(t.Legs, Leg{Kind: Card, CapturedMicros: rest})
	}
	if err := t.Validate(); err != nil {
		return Tender{}, err
	}
	return t, nil
}

// Validate checks the tender: EUR; 1 to MaxGiftCards gift-card legs, each positive
// and at most GiftCardMaxMicros; at most one card leg, after the gift cards; every
// leg positive and in whole cents; legs summing exactly to Total; refunds within
// every cap. Errors wrap booking.ErrInvalid.
func (t Tender) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("splittender: "+format+": %w", append(a, booking.ErrInvalid)...)
	}
	if t.Total.Currency != Currency {
		return bad("currency %q, Bimpli CADO takes EUR only", t.Total.Currency)
	}
	if t.Total.Micros <= 0 || t.Total.Micros > maxMicros || t.Total.Micros%10_000 != 0 {
		return bad("total %s must be positive whole cents", t.Total)
	}
	var gift, cards int
	var sum, refunded int64
	for i, l := range t.Legs {
		switch l.Kind {
		case GiftCard:
			if cards > 0 {
				return bad("leg %d: gift card after the card leg", i)
			}
			gift++
			if l.CapturedMicros > GiftCardMaxMicros {
				return bad("leg %d: gift card takes %d micros, more than 250 EUR", i, l.CapturedMicros)
			}
		case Card:
			cards++
		default:
			return bad("leg %d: unknown kind %d", i, l.Kind)
		}
		if l.CapturedMicros <= 0 || l.CapturedMicros > maxMicros || l.CapturedMicros%10_000 != 0 {
			return bad("leg %d: amount %d micros must be positive whole cents", i, l.CapturedMicros)
		}
		if l.RefundedMicros < 0 || l.RefundedMicros > l.CapturedMicros {
			return bad("leg %d: refunded %d outside [0, %d]", i, l.RefundedMicros, l.CapturedMicros)
		}
		sum += l.CapturedMicros
		refunded += l.RefundedMicros
	}
	switch {
	case gift == 0:
		return bad("no gift-card leg")
	case gift > MaxGiftCards:
		return bad("%d gift cards, at most %d", gift, MaxGiftCards)
	case cards > 1:
		return bad("%d card legs, at most one", cards)
	case sum != t.Total.Micros:
		return bad("legs sum to %d micros, total is %d", sum, t.Total.Micros)
	case refunded > t.Total.Micros:
		return bad("refunded %d micros, more than the total", refunded)
	}
	return nil
}

// RefundedMicros is what has been refunded across all legs.
func (t Tender) RefundedMicros() int64 {
	var r int64
	for _, l := range t.Legs {
		r += l.RefundedMicros
	}
	return r
}

// clone copies t deeply so that results never share slices with the receiver.
func (t Tender) clone() Tender {
	c := Tender{Total: t.Total, Legs: slices.Clone(t.Legs), Refunds: make([]Refund, len(t.Refunds))}
	for i, r := range t.Refunds {
		r.Parts = slices.Clone(r.Parts)
		c.Refunds[i] = r
	}
	return c
}

func (t Tender) find(id string) (Refund, bool) {
	for _, r := range t.Refunds {
		if r.ID == id {
			r.Parts = slices.Clone(r.Parts)
			return r, true
		}
	}
	return Refund{}, false
}
