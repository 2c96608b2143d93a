package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// ledgerPrefix is the key prefix of one booking's ledger entries.
func ledgerPrefix(bookingID string) []byte {
	return append([]byte(bookingID), 0)
}

func (t txn) AppendLedger(e *bsv1.LedgerEntry) error {
	b := t.tx.Bucket(bucketLedger)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	if err := putRecord(b, binary.BigEndian.AppendUint64(ledgerPrefix(e.GetBookingId()), seq), e); err != nil {
		return err
	}
	return indexCharge(t.tx, e)
}

func (t txn) Ledger(bookingID string, fn func(*bsv1.LedgerEntry) bool) error {
	prefix := ledgerPrefix(bookingID)
	c := t.tx.Bucket(bucketLedger).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		e := &bsv1.LedgerEntry{}
		if err := unmarshal(v, e); err != nil {
			return fmt.Errorf("ledger %x: %w", k, err)
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}

func (t txn) PendingPayments(fn func(*bsv1.BookingRecord) bool) error {
	return t.indexed(bucketPendingPayments, fn)
}

func (t txn) PendingRefunds(fn func(*bsv1.BookingRecord) bool) error {
	return t.indexed(bucketPendingRefunds, fn)
}

// indexed calls fn for the booking of every key of an index bucket of booking ids.
func (t txn) indexed(index []byte, fn func(*bsv1.BookingRecord) bool) error {
	c := t.tx.Bucket(index).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		rec, err := t.Booking(string(k))
		if err != nil {
			return fmt.Errorf("%s index, booking %q: %w", index, k, err)
		}
		if !fn(rec) {
			return nil
		}
	}
	return nil
}
