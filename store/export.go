package store

import (
	"context"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// ExportFeed writes the kind feed of what is loaded now (feeds.Export), every shard
// from one read transaction, so the shards agree with each other.
func (s *Store) ExportFeed(ctx context.Context, kind feeds.ExportKind, opts feeds.ExportOptions, open func(shard, total int) (io.Writer, error)) (feeds.ExportInfo, error) {
	if err := ctx.Err(); err != nil {
		return feeds.ExportInfo{}, err
	}
	var info feeds.ExportInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		info, err = feeds.Export(kind, exportInventory{tx}, opts, open)
		return err
	})
	return info, err
}

// exportInventory is feeds.Inventory over a read transaction.
type exportInventory struct{ tx *bolt.Tx }

func (e exportInventory) Merchants(fn func(*acv3.Merchant) error) error {
	return forEachRecord(e.tx.Bucket(bucketMerchants), func() *acv3.Merchant { return &acv3.Merchant{} }, fn)
}

func (e exportInventory) Services(fn func(*acv3.Service) error) error {
	return forEachRecord(e.tx.Bucket(bucketServices), func() *acv3.Service { return &acv3.Service{} }, fn)
}

// Slots sets each slot's spots_open to booking.Slot.Open (never below 0).
func (e exportInventory) Slots(fn func(*acv3.Availability) error) error {
	counts := e.tx.Bucket(bucketSlotBooked)
	return e.tx.Bucket(bucketSlots).ForEach(func(k, v []byte) error {
		rec := &bsv1.SlotRecord{}
		if err := unmarshal(v, rec); err != nil {
			return fmt.Errorf("slot %x: %w", k, err)
		}
		a := rec.GetAvailability()
		a.SpotsOpen = max(booking.Slot{Availability: a, Booked: booked(counts, k)}.Open(), 0)
		return fn(a)
	})
}

// forEachRecord decodes every value of b into a fresh message and calls fn.
func forEachRecord[M proto.Message](b *bolt.Bucket, fresh func() M, fn func(M) error) error {
	return b.ForEach(func(k, v []byte) error {
		m := fresh()
		if err := unmarshal(v, m); err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		return fn(m)
	})
}
