package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Cart configuration and the two cart indexes (booking.CartReadTx, booking.CartTx).

func (t txn) MerchantCart(merchantID string) (*bsv1.MerchantCart, error) {
	c := &bsv1.MerchantCart{}
	return c, getRecord(t.tx.Bucket(bucketMerchantCarts), []byte(merchantID), c)
}

func (t txn) ServiceCart(merchantID, serviceID string) (*bsv1.ServiceCart, error) {
	c := &bsv1.ServiceCart{}
	return c, getRecord(t.tx.Bucket(bucketServiceCarts), serviceKey(merchantID, serviceID), c)
}

func (t txn) PutMerchantCart(c *bsv1.MerchantCart) error {
	return putRecord(t.tx.Bucket(bucketMerchantCarts), []byte(c.GetMerchantId()), c)
}

func (t txn) PutServiceCart(c *bsv1.ServiceCart) error {
	return putRecord(t.tx.Bucket(bucketServiceCarts), serviceKey(c.GetMerchantId(), c.GetServiceId()), c)
}

func (t txn) CartHolds(untilUnix int64, fn func(*bsv1.BookingRecord) bool) error {
	c := t.tx.Bucket(bucketCartDeadlines).Cursor()
	for k, _ := c.First(); len(k) > 8 && int64(binary.BigEndian.Uint64(k)) <= untilUnix; k, _ = c.Next() {
		rec, err := t.Booking(string(k[8:]))
		if err != nil {
			return fmt.Errorf("cart deadline index %x: %w", k, err)
		}
		if !fn(rec) {
			return nil
		}
	}
	return nil
}

func (t txn) RefundDue(fn func(*bsv1.BookingRecord) bool) error {
	c := t.tx.Bucket(bucketRefundDue).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		rec, err := t.Booking(string(k))
		if err != nil {
			return fmt.Errorf("refund-due index %q: %w", k, err)
		}
		if !fn(rec) {
			return nil
		}
	}
	return nil
}

// cartDeadlineKey is expires_unix(8) booking_id, so the index scans in deadline order.
func cartDeadlineKey(rec *bsv1.BookingRecord) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(rec.GetPayment().GetCart().GetExpiresUnix()))
	return append(k, rec.GetBooking().GetBookingId()...)
}

// indexCart keeps the cart indexes of rec in step with it (called by PutBooking): a
// live booking awaiting its cart payment is in bucketCartDeadlines, one whose cart
// money is to be refunded is in bucketRefundDue. expires_unix never changes once set,
// so the deadline key of a booking is stable.
func indexCart(tx *bolt.Tx, rec *bsv1.BookingRecord) error {
	cart := rec.GetPayment().GetCart()
	if cart == nil {
		return nil
	}
	id := []byte(rec.GetBooking().GetBookingId())
	deadlines, refunds := tx.Bucket(bucketCartDeadlines), tx.Bucket(bucketRefundDue)
	var err error
	if rec.GetPayment().GetState() == bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART && booking.HoldsSpot(rec.GetBooking().GetStatus()) {
		err = deadlines.Put(cartDeadlineKey(rec), nil)
	} else {
		err = deadlines.Delete(cartDeadlineKey(rec))
	}
	if err != nil {
		return err
	}
	if cart.GetRefundDue() {
		return refunds.Put(id, nil)
	}
	return refunds.Delete(id)
}
