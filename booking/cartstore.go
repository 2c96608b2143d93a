package booking

import bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"

// CartReadTx reads the cart configuration and the cart indexes (part of ReadTx).
type CartReadTx interface {
	// MerchantCart returns a merchant's cart configuration, or ErrNotFound.
	MerchantCart(merchantID string) (*bsv1.MerchantCart, error)
	// ServiceCart returns a service's cart configuration, or ErrNotFound.
	ServiceCart(merchantID, serviceID string) (*bsv1.ServiceCart, error)
	// CartHolds calls fn, earliest deadline first, for every live booking awaiting its
	// cart payment whose cart.expires_unix is at most untilUnix (math.MaxInt64: all).
	CartHolds(untilUnix int64, fn func(*bsv1.BookingRecord) bool) error
	// RefundDue calls fn for every booking whose cart.refund_due is set.
	RefundDue(fn func(*bsv1.BookingRecord) bool) error
}

// CartTx writes the cart configuration (part of Tx). The cart indexes follow
// PutBooking.
type CartTx interface {
	// PutMerchantCart inserts or replaces a merchant's cart configuration.
	PutMerchantCart(c *bsv1.MerchantCart) error
	// PutServiceCart inserts or replaces a service's cart configuration.
	PutServiceCart(c *bsv1.ServiceCart) error
}
