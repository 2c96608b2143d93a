package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// viewTxn is the txn of a read-only transaction, with the bucket handles of the
// availability path opened once per transaction. bbolt caches bucket handles only
// in write transactions: in a read one every tx.Bucket is a seek in the root and a
// decode, and a BatchAvailabilityLookup of 20 slot times opened 42 of them (a
// seventh of its time).
type viewTxn struct {
	txn
	merchants, services, slots, slotBooked *bolt.Bucket

	// slotCursor, bookedCursor and serviceCursor serve every SlotSummaries and
	// ServiceSummary call of the transaction, so that calls in key order walk
	// forward instead of searching from the root; prefix is the buffer their keys are
	// built in, and summary the SlotSummary handed to the scan's callback.
	slotCursor, bookedCursor, serviceCursor *forwardCursor
	prefix                                  []byte
	summary                                 booking.SlotSummary
}

// bucket returns the handle cached in *h, opening it on first use.
func (t *viewTxn) bucket(h **bolt.Bucket, name []byte) *bolt.Bucket {
	if *h == nil {
		*h = t.tx.Bucket(name)
	}
	return *h
}

func (t *viewTxn) Merchant(merchantID string) (*acv3.Merchant, error) {
	m := &acv3.Merchant{}
	return m, getRecord(t.bucket(&t.merchants, bucketMerchants), []byte(merchantID), m)
}

func (t *viewTxn) Service(merchantID, serviceID string) (*acv3.Service, error) {
	s := &acv3.Service{}
	return s, getRecord(t.bucket(&t.services, bucketServices), serviceKey(merchantID, serviceID), s)
}

func (t *viewTxn) Slots(merchantID, serviceID string, startSec, durationSec int64, fn func(booking.Slot) bool) error {
	return scanSlots(t.bucket(&t.slots, bucketSlots), t.bucket(&t.slotBooked, bucketSlotBooked),
		slotScanPrefix(merchantID, serviceID, startSec, durationSec), fn)
}

// SlotSummaries implements booking.SlotSummaryReader. Calls in ascending order of
// (service, start, duration) are cheapest: each continues from where the last one
// stopped when its slots are near (forwardCursor).
func (t *viewTxn) SlotSummaries(merchantID, serviceID string, startSec, durationSec int64, fn func(*booking.SlotSummary) bool) error {
	if t.slotCursor == nil {
		t.slotCursor = newForwardCursor(t.bucket(&t.slots, bucketSlots))
		t.bookedCursor = newForwardCursor(t.bucket(&t.slotBooked, bucketSlotBooked))
	}
	t.prefix = appendSlotScanPrefix(t.prefix[:0], merchantID, serviceID, startSec, durationSec)
	return scanSlotSummaries(t.slotCursor, t.bookedCursor, t.prefix, feeds.SlotPrefixLen(merchantID, serviceID), &t.summary, fn)
}

// HasMerchant implements booking.SlotSummaryReader: a key lookup, without decoding
// the merchant.
func (t *viewTxn) HasMerchant(merchantID string) bool {
	t.prefix = append(t.prefix[:0], merchantID...)
	return t.bucket(&t.merchants, bucketMerchants).Get(t.prefix) != nil
}

// ServiceSummary implements booking.SlotSummaryReader. A merchant's services are
// neighbours in the bucket, so a batch asking for them in order walks forward.
func (t *viewTxn) ServiceSummary(merchantID, serviceID string) (booking.ServiceSummary, error) {
	t.prefix = append(append(append(t.prefix[:0], merchantID...), 0), serviceID...)
	if t.serviceCursor == nil {
		t.serviceCursor = newForwardCursor(t.bucket(&t.services, bucketServices))
	}
	raw := t.serviceCursor.get(t.prefix)
	if raw == nil {
		return booking.ServiceSummary{}, booking.ErrNotFound
	}
	var s booking.ServiceSummary
	if err := decodeServiceSummary(raw, &s); err != nil {
		return booking.ServiceSummary{}, fmt.Errorf("service %q of merchant %q: %w", serviceID, merchantID, err)
	}
	return s, nil
}
