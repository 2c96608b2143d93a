package store

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// storeCatalog answers feeds.Catalog from a read transaction: what is loaded already.
// Answers are memoized: validation asks once per slot, and a million-slot feed names
// only a few merchants and services (decoding them a million times was a third of a
// large load's allocations).
type storeCatalog struct {
	t         catalogReader
	merchants map[string]*acv3.Merchant
	services  map[string]*acv3.Service
}

// catalogReader is the part of booking.ReadTx a catalog reads (of either store).
type catalogReader interface {
	Merchant(merchantID string) (*acv3.Merchant, error)
	Service(merchantID, serviceID string) (*acv3.Service, error)
}

func newStoreCatalog(tx *bolt.Tx) *storeCatalog { return newCatalog(txn{tx}) }

func newCatalog(r catalogReader) *storeCatalog {
	return &storeCatalog{t: r, merchants: map[string]*acv3.Merchant{}, services: map[string]*acv3.Service{}}
}

func (c *storeCatalog) Merchant(id string) (*acv3.Merchant, bool) {
	m, seen := c.merchants[id]
	if !seen {
		var err error
		if m, err = c.t.Merchant(id); err != nil {
			m = nil
		}
		c.merchants[id] = m
	}
	return m, m != nil
}

func (c *storeCatalog) Service(merchantID, serviceID string) (*acv3.Service, bool) {
	key := string(serviceKey(merchantID, serviceID))
	s, seen := c.services[key]
	if !seen {
		var err error
		if s, err = c.t.Service(merchantID, serviceID); err != nil {
			s = nil
		}
		c.services[key] = s
	}
	return s, s != nil
}

// validate checks a whole feed against itself and what is loaded.
func (s *Store) validate(kind bsv1.FeedKind, f parsedFeed) error {
	return s.db.View(func(tx *bolt.Tx) error { return validateFeed(kind, f, newStoreCatalog(tx)) })
}

// validateFeed checks a whole feed against itself and the catalog cat.
func validateFeed(kind bsv1.FeedKind, f parsedFeed, cat feeds.Catalog) error {
	var err error
	switch f := f.(type) {
	case *acv3.MerchantFeed:
		err = feeds.ValidateMerchantFeed(f)
	case *acv3.ServiceFeed:
		err = feeds.ValidateServiceFeed(f, cat)
	case *acv3.AvailabilityFeed:
		err = feeds.ValidateAvailabilityFeed(f, cat)
	default:
		err = fmt.Errorf("feed kind %v", kind)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", err, booking.ErrInvalid)
	}
	return nil
}

// apply writes a validated merchant or service feed inside tx. Availability feeds
// stream instead (loadAvailability). scope is what a complete feed replaces
// (completeScope).
func apply(tx *bolt.Tx, f parsedFeed, scope string, sum *LoadSummary) error {
	complete := f.GetMetadata().GetProcessingInstruction() == acv3.FeedMetadata_PROCESS_AS_COMPLETE
	switch f := f.(type) {
	case *acv3.MerchantFeed:
		return applyMerchants(tx, f, complete, scope, sum)
	case *acv3.ServiceFeed:
		return applyServices(tx, f, complete, scope, sum)
	}
	return fmt.Errorf("unknown feed type %T", f)
}

// applyMerchants upserts the feed's merchants. A complete feed first removes the
// merchants of its scope that it omits, with their services and slots (bookings
// stay, with their spot counts). Each merchant added, changed or removed gets a
// merchant RTU (inventoryrtu.go).
func applyMerchants(tx *bolt.Tx, f *acv3.MerchantFeed, complete bool, scope string, sum *LoadSummary) error {
	b := tx.Bucket(bucketMerchants)
	var changes catalogChanges
	if complete {
		kept := merchantsOf(f.GetMerchant(), (*acv3.Merchant).GetMerchantId)
		var omitted [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if !kept[string(k)] && (scope == "" || string(k) == scope) {
				omitted = append(omitted, bytes.Clone(k))
			}
		}
		rm := newSlotRemoval(sum, nil)
		for _, m := range omitted {
			if err := b.Delete(m); err != nil {
				return err
			}
			changes.removed(string(m), "")
			sum.Removed++
			prefix := append(m, 0)
			if err := deletePrefix(tx.Bucket(bucketServices), prefix, func([]byte) { sum.Removed++ }); err != nil {
				return err
			}
			if err := deletePrefix(tx.Bucket(bucketSlots), prefix, rm.onDelete(tx)); err != nil {
				return err
			}
		}
		if err := rm.changed.write(tx); err != nil {
			return err
		}
	}
	for _, m := range f.GetMerchant() {
		old, err := oldRecord(b.Get([]byte(m.GetMerchantId())), &acv3.Merchant{})
		if err != nil {
			return fmt.Errorf("merchant %q: %w", m.GetMerchantId(), err)
		}
		changes.put(m.GetMerchantId(), "", old, m)
		if err := putRecord(b, []byte(m.GetMerchantId()), m); err != nil {
			return err
		}
		sum.Records++
	}
	return changes.write(tx)
}

// applyServices upserts the feed's services; a complete feed first removes the
// services of its scope, and the slots of those it does not put back.
func applyServices(tx *bolt.Tx, f *acv3.ServiceFeed, complete bool, scope string, sum *LoadSummary) error {
	b := tx.Bucket(bucketServices)
	removed := map[string][]byte{} // key → the service as it was
	if complete {
		if err := deletePrefix(b, scopePrefix(scope), func(k []byte) { removed[string(k)] = bytes.Clone(b.Get(k)) }); err != nil {
			return err
		}
	}
	var changes catalogChanges
	for _, svc := range f.GetService() {
		key := serviceKey(svc.GetMerchantId(), svc.GetServiceId())
		raw, wasRemoved := removed[string(key)]
		if !wasRemoved {
			raw = b.Get(key)
		}
		old, err := oldRecord(raw, &acv3.Service{})
		if err != nil {
			return fmt.Errorf("service %q: %w", key, err)
		}
		changes.put(svc.GetMerchantId(), svc.GetServiceId(), old, svc)
		if err := putRecord(b, key, svc); err != nil {
			return err
		}
		delete(removed, string(key)) // replaced, not removed
		sum.Records++
	}
	sum.Removed = len(removed)
	rm := newSlotRemoval(sum, nil)
	for key := range removed {
		m, s, _ := strings.Cut(key, "\x00")
		changes.removed(m, s)
		if err := deletePrefix(tx.Bucket(bucketSlots), append([]byte(key), 0), rm.onDelete(tx)); err != nil {
			return err
		}
	}
	if err := changes.write(tx); err != nil {
		return err
	}
	return rm.changed.write(tx)
}

// scopePrefix is the key prefix of the records of scope: every key for the whole
// partner (""), else the merchant's.
func scopePrefix(scope string) []byte {
	if scope == "" {
		return []byte{}
	}
	return append([]byte(scope), 0)
}

// slotRemoval counts the slots a feed load deletes in its summary and marks each
// one's RTU window; a slot the load writes again (replaced) is not counted. Both
// stores count through it.
type slotRemoval struct {
	sum      *LoadSummary
	replaced func(k []byte) bool
	changed  rtuWindows
}

func newSlotRemoval(sum *LoadSummary, replaced func(k []byte) bool) *slotRemoval {
	if replaced == nil {
		replaced = func([]byte) bool { return false }
	}
	return &slotRemoval{sum: sum, replaced: replaced}
}

// removed notes the deletion of slot k, which held live bookings if booked.
func (r *slotRemoval) removed(k []byte, booked bool) {
	r.changed.addSlot(k)
	if r.replaced(k) {
		return
	}
	r.sum.Removed++
	if booked {
		r.sum.BookedSlotsRemoved++
	}
}

// onDelete is the deletePrefix callback that notes each bbolt slot key.
func (r *slotRemoval) onDelete(tx *bolt.Tx) func(k []byte) {
	counts := tx.Bucket(bucketSlotBooked)
	return func(k []byte) { r.removed(k, booked(counts, k) > 0) }
}

// merchantsOf is the set of merchant ids of records.
func merchantsOf[T any](records []T, id func(T) string) map[string]bool {
	set := map[string]bool{}
	for _, r := range records {
		set[id(r)] = true
	}
	return set
}

// slotsFillPercent is how full bbolt packs the slot pages a feed load writes.
// The batch is inserted in key order, so the default of one half would leave
// every page half empty: twice the pages to allocate, write and keep cached.
// Slot pages change little between feeds (bookings are counted elsewhere), and
// a later insert that finds a page full simply splits it.
const slotsFillPercent = 0.95

// applyAvailability replaces slots: the ranges that a ServiceAvailability's restricts
// name, and for a complete feed every slot of its scope (completeScope); then writes the
// batch's slots (sorted), recurrences expanded. Booking counts (bucketSlotBooked) are
// not touched: a removed slot keeps its bookings and is reported. Each UTC day of each
// service whose slots were written or removed gets an availability RTU (rtu.go).
func applyAvailability(tx *bolt.Tx, b *slotBatch, complete bool, scope string, sum *LoadSummary) error {
	slots := tx.Bucket(bucketSlots)
	rm := newSlotRemoval(sum, b.has)
	if complete {
		if err := deletePrefix(slots, scopePrefix(scope), rm.onDelete(tx)); err != nil {
			return err
		}
	}
	for _, sa := range b.restricts {
		if err := deleteRestricted(slots, sa, rm.onDelete(tx)); err != nil {
			return err
		}
	}
	changed := &rm.changed
	slots.FillPercent = slotsFillPercent
	for _, p := range b.pairs {
		if err := slots.Put(b.key(p), b.value(p)); err != nil {
			return err
		}
		changed.addSlot(b.key(p))
	}
	sum.Records = len(b.pairs)
	return changed.write(tx)
}

// deleteRestricted removes the existing slots a ServiceAvailability's restricts name
// (restrictRange, restricted).
func deleteRestricted(slots *bolt.Bucket, sa *acv3.ServiceAvailability, onDelete func([]byte)) error {
	from, to := restrictRange(sa)
	var doomed [][]byte
	c := slots.Cursor()
	for k, v := c.Seek(from); k != nil && (to == nil || bytes.Compare(k, to) < 0); k, v = c.Next() {
		rec := &bsv1.SlotRecord{}
		if err := unmarshal(v, rec); err != nil {
			return err
		}
		if !restricted(sa, rec.GetAvailability()) {
			continue
		}
		doomed = append(doomed, bytes.Clone(k))
	}
	for _, k := range doomed {
		onDelete(k)
		if err := slots.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// hasTimeRestrict reports whether sa replaces a time range: Google's page makes
// either timestamp enough (an unset end is all time from start, an unset start all
// time up to end); without both, the other restricts delete nothing.
func hasTimeRestrict(sa *acv3.ServiceAvailability) bool {
	return sa.GetStartTimestampRestrict() != 0 || sa.GetEndTimestampRestrict() != 0
}

// restrictRange is the slot-key range [from, to) (to nil: to the last key) holding
// every slot sa's restricts can name: one service's start range when merchant and
// service are both given, else the merchant's slots, else every slot, since the page
// applies timestamps without merchant or service ids to all of them.
func restrictRange(sa *acv3.ServiceAvailability) (from, to []byte) {
	m, svc := sa.GetMerchantIdRestrict(), sa.GetServiceIdRestrict()
	switch {
	case m != "" && svc != "":
		from = feeds.SlotPrefix(m, svc, sa.GetStartTimestampRestrict())
		if end := sa.GetEndTimestampRestrict(); end != 0 {
			return from, feeds.SlotPrefix(m, svc, end)
		}
		return from, prefixEnd(feeds.ServicePrefix(m, svc))
	case m != "":
		prefix := append([]byte(m), 0)
		return prefix, prefixEnd(prefix)
	default:
		return []byte{}, nil
	}
}

// restricted reports whether slot a is one that sa's restricts delete: of its merchant
// and service (when given), starting in [start, end) (an unset bound is open), and of
// its duration and resources (when given).
func restricted(sa *acv3.ServiceAvailability, a *acv3.Availability) bool {
	if m := sa.GetMerchantIdRestrict(); m != "" && a.GetMerchantId() != m {
		return false
	}
	if svc := sa.GetServiceIdRestrict(); svc != "" && a.GetServiceId() != svc {
		return false
	}
	if start, end := sa.GetStartTimestampRestrict(), sa.GetEndTimestampRestrict(); a.GetStartSec() < start || (end != 0 && a.GetStartSec() >= end) {
		return false
	}
	if d := sa.GetDurationRestrictSec(); d != 0 && a.GetDurationSec() != d {
		return false
	}
	rr := sa.GetResourcesRestrict()
	return rr == nil || (a.GetResources().GetStaffId() == rr.GetStaffId() && a.GetResources().GetRoomId() == rr.GetRoomId())
}
