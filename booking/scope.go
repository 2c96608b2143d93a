package booking

import (
	"context"
	"fmt"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Scope is which merchants a caller may see and act on. The server's auth layer
// decides it once, from the credential (the admin token: every merchant; a merchant
// key or a dashboard session: that merchant), and puts it in the context; the core
// checks it where it reads a merchant's records and never looks at credentials.
//
// Outside the merchant's view there is nothing: a booking, cart or account of another
// merchant is ErrNotFound, so its existence is not revealed.
type Scope struct {
	// merchantID is the one merchant in scope; empty means every merchant.
	merchantID string
}

// PlatformScope is the scope of the admin token and of the server's own work
// (sweepers, recovery, Google's v3 calls): every merchant.
func PlatformScope() Scope { return Scope{} }

// MerchantScope is the scope of one merchant's credentials. id must not be empty.
func MerchantScope(id string) Scope {
	if id == "" {
		panic("booking: MerchantScope of an empty merchant id")
	}
	return Scope{merchantID: id}
}

// MerchantID is the merchant in scope, "" for the platform.
func (s Scope) MerchantID() string { return s.merchantID }

// Allows reports whether merchantID's records are in scope.
func (s Scope) Allows(merchantID string) bool {
	return s.merchantID == "" || s.merchantID == merchantID
}

// Check returns nil when merchantID's records are in scope, else an ErrNotFound that
// names what (kind and id) as if it did not exist.
func (s Scope) Check(merchantID, what string) error {
	if s.Allows(merchantID) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, ErrNotFound)
}

type scopeKey struct{}

// WithScope returns ctx carrying the caller's scope.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeOf returns the scope ctx carries; without one (the server's own work, Google's
// calls), every merchant.
func ScopeOf(ctx context.Context) Scope {
	s, _ := ctx.Value(scopeKey{}).(Scope)
	return s
}

// scopedBooking reads a booking in tx and returns ErrNotFound, worded as for a
// missing one, when it does not exist or is out of scope.
func scopedBooking(tx ReadTx, scope Scope, bookingID string) (*bsv1.BookingRecord, error) {
	rec, err := tx.Booking(bookingID)
	if err == nil && !scope.Allows(rec.GetBooking().GetSlot().GetMerchantId()) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("booking %q: %w", bookingID, err)
	}
	return rec, nil
}
