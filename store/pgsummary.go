package store

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
)

// The availability path on PostgreSQL (booking.SlotSummaryReader). Each query is a
// round trip, so a transaction remembers what it read: merchants and services once,
// and for each service a run of slots from the first start asked (slotRunRows rows),
// from which later questions about the next starts are answered. A
// BatchAvailabilityLookup of 20 slot times over 5 services is then some 11 queries
// instead of 41. Only views answer availability (booking.spotCounter), and a view is one
// snapshot, so the memory is exact.

// slotRunRows is how many slots of a service one query reads ahead.
const slotRunRows = 64

// slotRun is a run of a service's slots read in key order: every key in [from, to)
// is in keys (to nil: up to the end of the keyspace).
type slotRun struct {
	from, to []byte
	keys     [][]byte
	records  [][]byte
	booked   []int64
}

// covers reports whether every key with prefix is in the run.
func (r *slotRun) covers(prefix []byte) bool {
	if bytes.Compare(prefix, r.from) < 0 {
		return false
	}
	if r.to == nil {
		return true
	}
	end := prefixEnd(prefix)
	return end != nil && bytes.Compare(end, r.to) <= 0
}

// pgSummaries is a transaction's memory of the availability path.
type pgSummaries struct {
	merchants map[string]bool
	services  map[string]booking.ServiceSummary
	runs      map[string]*slotRun // by service prefix (merchant 0x00 service 0x00)
	summary   booking.SlotSummary
}

func (t *pgTxn) summaries() *pgSummaries {
	if t.sum == nil {
		t.sum = &pgSummaries{merchants: map[string]bool{}, services: map[string]booking.ServiceSummary{}, runs: map[string]*slotRun{}}
	}
	return t.sum
}

// HasMerchant implements booking.SlotSummaryReader.
func (t *pgTxn) HasMerchant(merchantID string) bool {
	if has, known := t.cache.merchant(merchantID); known {
		return has
	}
	s := t.summaries()
	has, seen := s.merchants[merchantID]
	if !seen {
		epoch := t.cache.currentEpoch()
		if err := t.get(`SELECT EXISTS (SELECT 1 FROM merchants WHERE merchant_id = $1)`, []any{merchantID}, &has); err != nil {
			return false // the caller's decoding path states the error
		}
		s.merchants[merchantID] = has
		t.cache.putMerchant(merchantID, has, epoch)
	}
	return has
}

// ServiceSummary implements booking.SlotSummaryReader.
func (t *pgTxn) ServiceSummary(merchantID, serviceID string) (booking.ServiceSummary, error) {
	s := t.summaries()
	key := string(serviceKey(merchantID, serviceID))
	if sum, ok := s.services[key]; ok {
		return sum, nil
	}
	if cs := t.cachedService(merchantID, serviceID); cs != nil {
		return cs.summary, nil
	}
	var raw []byte
	if err := t.get(`SELECT record FROM services WHERE merchant_id = $1 AND service_id = $2`, []any{merchantID, serviceID}, &raw); err != nil {
		return booking.ServiceSummary{}, err
	}
	var sum booking.ServiceSummary
	if err := decodeServiceSummary(raw, &sum); err != nil {
		return booking.ServiceSummary{}, fmt.Errorf("service %q of merchant %q: %w", serviceID, merchantID, err)
	}
	s.services[key] = sum
	return sum, nil
}

// SlotSummaries implements booking.SlotSummaryReader from the service's run, read
// (again) when it does not cover the prefix asked.
func (t *pgTxn) SlotSummaries(merchantID, serviceID string, startSec, durationSec int64, fn func(*booking.SlotSummary) bool) error {
	s := t.summaries()
	prefix := slotScanPrefix(merchantID, serviceID, startSec, durationSec)
	servicePrefixLen := feeds.SlotPrefixLen(merchantID, serviceID)
	if cs := t.cachedService(merchantID, serviceID); cs != nil {
		return t.cache.summaries(cs, prefix, servicePrefixLen, &s.summary, fn)
	}
	run := s.runs[string(prefix[:servicePrefixLen-8])]
	if run == nil || !run.covers(prefix) {
		var err error
		if run, err = t.readRun(prefix, prefix[:servicePrefixLen-8]); err != nil {
			return err
		}
		s.runs[string(prefix[:servicePrefixLen-8])] = run
	}
	i, _ := slices.BinarySearchFunc(run.keys, prefix, bytes.Compare)
	for ; i < len(run.keys) && bytes.HasPrefix(run.keys[i], prefix); i++ {
		k := run.keys[i]
		parts, ok := feeds.SlotKey(k).Parts(servicePrefixLen)
		if !ok {
			return fmt.Errorf("slot %x: malformed key", k)
		}
		s.summary = booking.SlotSummary{
			DurationSec: parts.DurationSec, StaffID: parts.StaffID, RoomID: parts.RoomID, PartySize: parts.PartySize,
			Booked: run.booked[i],
		}
		if err := decodeSlotSummary(run.records[i], &s.summary); err != nil {
			return fmt.Errorf("slot %x: %w", k, err)
		}
		if !fn(&s.summary) {
			return nil
		}
	}
	return nil
}

// cachedService returns the service from the replica's cache, filled now if it was
// not there, or nil (the transaction then reads the database). A fill takes a
// connection of its own: it is made only by a transaction that holds none yet, so
// that transactions waiting for a connection never hold the pool's.
func (t *pgTxn) cachedService(merchantID, serviceID string) *cachedService {
	if cs := t.cache.service(string(serviceKey(merchantID, serviceID))); cs != nil {
		return cs
	}
	if tx, ok := t.tx.(*lazyTx); !ok || tx.tx != nil {
		return nil
	}
	cs, err := t.cache.fill(t.ctx, merchantID, serviceID)
	if err != nil {
		slog.Warn("availability cache: fill failed; reading the database", "merchant", merchantID, "service", serviceID, "err", err)
	}
	return cs
}

// readRun reads up to slotRunRows slots of the service (keys under servicePrefix)
// from prefix on.
func (t *pgTxn) readRun(prefix, servicePrefix []byte) (*slotRun, error) {
	serviceEnd := prefixEnd(servicePrefix)
	query, args := slotsSelect(prefix, serviceEnd, "")
	rows, err := t.tx.Query(t.ctx, query+fmt.Sprintf(" LIMIT %d", slotRunRows), args...)
	if err != nil {
		return nil, t.fail(err)
	}
	run := &slotRun{from: bytes.Clone(prefix), to: serviceEnd}
	var (
		key, raw []byte
		n        int64
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &raw, &n}, func() error {
		run.keys, run.records, run.booked = append(run.keys, key), append(run.records, raw), append(run.booked, n)
		return nil
	})
	if err != nil {
		return nil, t.fail(err)
	}
	if len(run.keys) == slotRunRows {
		// More may follow: the run is known complete up to its last key only.
		run.to = append(bytes.Clone(run.keys[len(run.keys)-1]), 0)
	}
	return run, nil
}

var _ booking.SlotSummaryReader = (*pgTxn)(nil)
