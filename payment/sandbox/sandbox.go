package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment"
)

// Options configures a sandbox Processor. The zero value accepts every test card and
// injects no failure.
type Options struct {
	// AcceptedBrands lists the card networks the merchant takes, in Stripe's spelling
	// ("visa", "mastercard", "amex", "discover", "diners", "jcb", "unionpay"). A card of
	// another network declines with "card_not_supported" and CardTypeRejected set.
	// Nil accepts all.
	AcceptedBrands []string
	// FailNext makes the first FailNext calls fail before moving money, as FailNext
	// does.
	FailNext int
	// DropNext makes the first DropNext calls that get past FailNext lose their answer
	// after moving money, as DropNext does.
	DropNext int
}

// Processor is the sandbox booking.Processor. It is safe for concurrent use; build it
// with New.
type Processor struct {
	opts Options

	mu       sync.Mutex
	failNext int
	dropNext int
	// replays holds every idempotency key's first answer.
	replays map[string]replay
	// payments holds charges and authorizations by id; order keeps creation order.
	payments map[string]*paymentState
	order    []string
	// cards holds saved cards by payment method id.
	cards map[string]savedCard
}

// paymentState is one charge or authorization and what happened to it since.
type paymentState struct {
	id, bookingID, currency string
	// authorized, captured and refunded are micros. A charge is captured at once.
	authorized, captured, refunded int64
	voided                         bool
}

// savedCard is a card saved by SaveCard.
type savedCard struct {
	customerID string
	token      string
}

var _ booking.Processor = (*Processor)(nil)

// New returns an empty sandbox.
func New(opts Options) *Processor {
	return &Processor{
		opts:     opts,
		failNext: opts.FailNext,
		dropNext: opts.DropNext,
		replays:  make(map[string]replay),
		payments: make(map[string]*paymentState),
		cards:    make(map[string]savedCard),
	}
}

// Name returns "sandbox", the processor's name in the ledger.
func (p *Processor) Name() string { return "sandbox" }

// objectID derives a Stripe-looking id from an idempotency key ("ch_sandbox_3f9a…"),
// so that ids are stable across runs and a replay can never mint a second object.
func objectID(prefix, idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return prefix + "_sandbox_" + hex.EncodeToString(sum[:12])
}

// checkRequest validates what every call needs: a context still alive, an idempotency
// key, and (when amount is non-nil) a positive amount in whole minor units. Like
// Stripe's parameter validation, a failure here is not remembered under the key.
func checkRequest(ctx context.Context, key string, amount *booking.Money) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("sandbox: empty idempotency key: %w", booking.ErrInvalid)
	}
	if amount == nil {
		return nil
	}
	if _, err := payment.ToMinorUnits(*amount); err != nil {
		return err
	}
	if amount.Micros <= 0 {
		return fmt.Errorf("sandbox: amount %s is not positive: %w", amount, booking.ErrInvalid)
	}
	return nil
}
