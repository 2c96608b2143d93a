package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// bucketLedgerCharges: processor 0x00 processor_id → booking_id, for every charge in
// bucketLedger (index). It lets a gateway's report about a payment that carries no
// booking id of ours (a Stripe Refund names only its PaymentIntent) find the booking.
var bucketLedgerCharges = []byte("ledger_charges")

// chargeKey is the key of a charge in bucketLedgerCharges.
func chargeKey(processor, processorID string) []byte {
	return append(append([]byte(processor), 0), processorID...)
}

// indexCharge adds e to bucketLedgerCharges if it is a charge with a processor id.
func indexCharge(tx *bolt.Tx, e *bsv1.LedgerEntry) error {
	if e.GetKind() != bsv1.LedgerEntry_KIND_CHARGE || e.GetProcessorId() == "" {
		return nil
	}
	return tx.Bucket(bucketLedgerCharges).Put(chargeKey(e.GetProcessor(), e.GetProcessorId()), []byte(e.GetBookingId()))
}

// ChargeBooking returns the booking whose ledger holds the charge processorID of
// processor (a Stripe PaymentIntent id, say), or booking.ErrNotFound.
func (t txn) ChargeBooking(processor, processorID string) (string, error) {
	v := t.tx.Bucket(bucketLedgerCharges).Get(chargeKey(processor, processorID))
	if v == nil {
		return "", fmt.Errorf("charge %s %q: %w", processor, processorID, booking.ErrNotFound)
	}
	return string(v), nil
}

// indexLedgerCharges is the migration that creates bucketLedgerCharges and fills it
// from the charges already in the ledger.
func indexLedgerCharges(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketLedgerCharges); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketLedgerCharges, err)
	}
	return tx.Bucket(bucketLedger).ForEach(func(k, v []byte) error {
		e := &bsv1.LedgerEntry{}
		if err := unmarshal(v, e); err != nil {
			return fmt.Errorf("ledger %x: %w", k, err)
		}
		return indexCharge(tx, e)
	})
}

// txn answers the payment gateways' lookup of a booking by its charge.
var _ interface {
	ChargeBooking(processor, processorID string) (string, error)
} = txn{}
