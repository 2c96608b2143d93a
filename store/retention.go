package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// IdempotencyRetention is how long a CreateBooking answer stays replayable. Google
// retries within minutes; the issue asks for at least 24 hours; a week is generous.
const IdempotencyRetention = 7 * 24 * time.Hour

// PurgeIdempotency deletes the stored answers of tokens used before before, except the
// records of payments still pending (their booking needs them to settle). It returns
// how many it deleted.
func (s *Store) PurgeIdempotency(before time.Time) (int, error) {
	var doomed [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIdempotency).ForEach(func(k, v []byte) error {
			rec := &bsv1.IdempotencyRecord{}
			if err := unmarshal(v, rec); err != nil {
				return err
			}
			if rec.GetCreatedUnix() < before.Unix() && rec.GetPendingBookingId() == "" {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
	})
	if err != nil || len(doomed) == 0 {
		return 0, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketIdempotency)
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return len(doomed), err
}

// WebhookEventRetention is how long an applied gateway webhook is remembered, so
// that a redelivery is not applied twice. Gateways redeliver for up to three days
// (Stripe); a month is generous.
const WebhookEventRetention = 30 * 24 * time.Hour

// PurgeWebhookEvents forgets the webhooks applied before before and returns how many.
// The bucket holds only the last WebhookEventRetention of events, so reading it whole
// stays cheap.
func (s *Store) PurgeWebhookEvents(before time.Time) (int, error) {
	var doomed [][]byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		doomed = nil
		b := tx.Bucket(bucketWebhookEvents)
		err := b.ForEach(func(k, v []byte) error {
			if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < before.Unix() {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range doomed {
			if err == nil {
				err = b.Delete(k)
			}
		}
		return err
	})
	return len(doomed), err
}

// EraseCustomerData erases the personal data — name, email, telephone, address and
// the note to the merchant — of every booking whose slot ended before endedBefore,
// and the booking's delivered notification history. Everything money needs stays:
// status, price, payment and the ledger. It returns how many bookings it erased.
//
// The merchant index orders bookings by slot start, and keyErasedBefore in
// bucketMeta remembers the start below which every booking is erased, so each sweep
// reads only the bookings that started since the last one.
func (s *Store) EraseCustomerData(endedBefore time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		n = 0
		meta, bookings := tx.Bucket(bucketMeta), tx.Bucket(bucketBookings)
		var from int64
		if v := meta.Get(keyErasedBefore); len(v) == 8 {
			from = int64(binary.BigEndian.Uint64(v))
		}
		cutoff := endedBefore.Unix()
		next := cutoff // the new keyErasedBefore: lowered to a slot not over yet
		var due []string
		err := eachInWindow(tx.Bucket(bucketMerchantBookings), 1, from, cutoff, func(start int64, _, id []byte) error {
			due = append(due, string(id))
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range due {
			rec := &bsv1.BookingRecord{}
			if err := getRecord(bookings, []byte(id), rec); err != nil {
				return fmt.Errorf("booking %q: %w", id, err)
			}
			slot := rec.GetBooking().GetSlot()
			if slot.GetStartSec()+slot.GetDurationSec() > cutoff {
				next = min(next, slot.GetStartSec())
				continue
			}
			if eraseCustomerData(rec) {
				if err := putRecord(bookings, []byte(id), rec); err != nil {
					return err
				}
				n++
			}
			if err := deletePrefix(tx.Bucket(bucketOutboxDelivered), append([]byte(id), 0), nil); err != nil {
				return err
			}
		}
		return meta.Put(keyErasedBefore, binary.BigEndian.AppendUint64(nil, uint64(max(next, from))))
	})
	return n, err
}
