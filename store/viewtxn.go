package store

import (
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

// SlotSummaries implements booking.SlotSummaryReader.
func (t *viewTxn) SlotSummaries(merchantID, serviceID string, startSec, durationSec int64, fn func(*booking.SlotSummary) bool) error {
	return scanSlotSummaries(t.bucket(&t.slots, bucketSlots), t.bucket(&t.slotBooked, bucketSlotBooked),
		slotScanPrefix(merchantID, serviceID, startSec, durationSec), feeds.SlotPrefixLen(merchantID, serviceID), fn)
}
