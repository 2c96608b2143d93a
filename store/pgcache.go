package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
)

// The availability cache of a replica (PostgreSQL). A BatchAvailabilityLookup read
// 5 services and 20 slot times in some 13 round trips; from the cache it makes none.
// Each replica keeps, per service asked about, the feed's slots (key, record) with
// their counts and the versions of those counts, and the merchants it was asked
// about, kept fresh by notifications:
//   - every count change (AddBooked, on any replica) takes a new version in its
//     transaction; once it committed, the replica that made it applies it to its
//     own cache (so that it reads its own writes) and notifies it to the others
//     (pgbroadcast.go), which may hear changes in any order: a cached count is
//     replaced only by one of a higher version;
//   - a feed load or Reconcile notifies "*", in its transaction: every replica
//     drops everything;
//   - a lost LISTEN connection drops everything (notifications may have been
//     missed), and a service filled more than cacheTTL ago is read again;
//   - after every drop, warm fills every service again in the background (the
//     whole feed, every slot's key and record);
//   - a fill (a service read from the database) is kept only if no change of its
//     service, and no "*", was heard or made while it was read;
//   - a transaction of unknown outcome (a lost connection at COMMIT) drops the
//     services it touched, and the counts it left are applied and broadcast once
//     it has ended (pgsettle.go);
//   - when another replica dies, the counts changed shortly before its death (its
//     last ones may never have been sent) are read and applied once its sessions
//     have ended (pgdeadreplicas.go).
// Another replica's booking is seen once its notification arrives (milliseconds):
// lookups are a view of availability, and CreateBooking checks in the database.
//
// Reservations also read the merchant and service records from here (catalog),
// dropped with everything else on a feed load: a reservation racing another
// replica's feed load may use the catalogue of a few milliseconds before it, as if
// it had committed first. Its slots, counts and tokens are read in the database.

// pgChannels are the LISTEN/NOTIFY channels of one store: outbox wake-ups, and
// count changes and "*" (drop everything) for the availability caches. NOTIFY
// reaches every session of the database whatever its schema, so the names carry a
// hash of the store's schema: two stores in one database (two deployments, or
// tests in parallel) never apply each other's changes.
type pgChannels struct{ outbox, slots string }

// schemaKeys names the channels of the schema pool's connections use, and the
// space of its lease owners' locks (pglease.go), both from a hash of its name:
// advisory locks, too, are the whole database's.
func schemaKeys(ctx context.Context, pool *pgxpool.Pool) (pgChannels, int32, error) {
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return pgChannels{}, 0, fmt.Errorf("current schema: %w", err)
	}
	sum := sha256.Sum256([]byte(schema))
	tag := hex.EncodeToString(sum[:8])
	space := int32(binary.BigEndian.Uint32(sum[8:12]) >> 1) // not negative: pg_locks shows it as an oid
	return pgChannels{outbox: "bookingserver_outbox_" + tag, slots: "bookingserver_slots_" + tag}, space, nil
}

// cacheTTL bounds how long a cached service is answered from without a fill: a
// bound on staleness should a change ever go unnotified (an operator's SQL).
const cacheTTL = 5 * time.Minute

// slotCache is one replica's availability cache.
type slotCache struct {
	// tag marks this replica's own notifications (newReplicaTag).
	tag string
	// channels are the store's notification channels.
	channels pgChannels
	pool     *pgxpool.Pool

	mu sync.RWMutex
	// epoch counts the drops of everything.
	epoch     uint64
	merchants map[string]bool
	// catalog has the merchant and service records reservations read (pgTxn.catalogRecord).
	catalog  map[string][]byte
	services map[string]*cachedService // by serviceKey
	// gens counts the changes heard of or made in each service (by serviceKey).
	gens map[string]uint64
	// filling has the services being read, each with a channel closed when its
	// read ends, so that concurrent misses of one service read it once.
	filling map[string]chan struct{}
	// rewarm asks warm to fill every service again (after a reset), and warmed is
	// the epoch its last complete pass began in.
	rewarm chan struct{}
	warmed uint64
}

// cachedService is a service's summary and slots as read by one fill, with the
// counts kept up to date since.
type cachedService struct {
	filled   time.Time
	summary  booking.ServiceSummary
	keys     [][]byte // in key order
	records  [][]byte
	booked   []int64
	versions []int64 // of booked's counts (0: none taken yet)
}

func newSlotCache(pool *pgxpool.Pool, channels pgChannels, tag string) *slotCache {
	c := &slotCache{tag: tag, channels: channels, pool: pool, rewarm: make(chan struct{}, 1)}
	c.reset()
	return c
}

// reset drops everything.
func (c *slotCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.merchants, c.services, c.gens = map[string]bool{}, map[string]*cachedService{}, map[string]uint64{}
	c.catalog = map[string][]byte{}
	if c.filling == nil {
		c.filling = map[string]chan struct{}{}
	}
	select {
	case c.rewarm <- struct{}{}:
	default:
	}
}

// warm fills every service of the feed into the cache, one after another, each
// time the cache is dropped (a replica starts, a feed load, a lost connection),
// until ctx ends: a 1,000,000-slot feed asked at random would otherwise be read
// service by service by the lookups themselves, waiting for each fill.
func (c *slotCache) warm(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.rewarm:
		}
		if err := c.warmOnce(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("availability cache: warm-up failed; again in a second (lookups fill what they ask)", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
				c.rewarm <- struct{}{}
			}
		}
	}
}

func (c *slotCache) warmOnce(ctx context.Context) error {
	epoch := c.currentEpoch()
	rows, err := c.pool.Query(ctx, `SELECT merchant_id, service_id FROM services ORDER BY merchant_id, service_id`)
	if err != nil {
		return err
	}
	type service struct{ merchantID, serviceID string }
	var (
		s        service
		services []service
	)
	_, err = pgx.ForEachRow(rows, []any{&s.merchantID, &s.serviceID}, func() error {
		services = append(services, s)
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range services {
		if len(c.rewarm) > 0 {
			return nil // dropped again: start over
		}
		if c.service(string(serviceKey(s.merchantID, s.serviceID))) != nil {
			continue
		}
		if _, err := c.fill(ctx, s.merchantID, s.serviceID); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.warmed = epoch
	c.mu.Unlock()
	return nil
}

// waitWarm waits until a warm pass has completed since the last drop.
func (c *slotCache) waitWarm(ctx context.Context) error {
	for {
		c.mu.RLock()
		done := c.warmed == c.epoch
		c.mu.RUnlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// notified applies one notification of the slots channel: "*", or count changes
// (broadcaster.payloads), which this replica applied already when they are its own.
func (c *slotCache) notified(payload string) error {
	if payload == "*" {
		c.reset()
		return nil
	}
	head, lines, _ := strings.Cut(payload, "\n")
	tag, ok := strings.CutPrefix(head, payloadHeader)
	if !ok {
		return fmt.Errorf("slot notification %.40q: not a format this replica reads", payload)
	}
	if tag == c.tag {
		return nil
	}
	var changes []slotChange
	for line := range strings.SplitSeq(lines, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf("slot notification line %q", line)
		}
		var (
			ch  slotChange
			err error
		)
		if ch.key, err = hex.DecodeString(f[0]); err != nil {
			return fmt.Errorf("slot notification line %q: %w", line, err)
		}
		if ch.booked, err = strconv.ParseInt(f[1], 10, 64); err != nil {
			return fmt.Errorf("slot notification line %q: %w", line, err)
		}
		if ch.version, err = strconv.ParseInt(f[2], 10, 64); err != nil {
			return fmt.Errorf("slot notification line %q: %w", line, err)
		}
		changes = append(changes, ch)
	}
	return c.apply(changes)
}

// apply sets the cached counts that changes make newer.
func (c *slotCache) apply(changes []slotChange) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		_, m, s, _, err := slotWindowParts(ch.key)
		if err != nil {
			return err
		}
		svc := string(serviceKey(m, s))
		c.gens[svc]++
		cs := c.services[svc]
		if cs == nil {
			continue
		}
		if i, ok := slices.BinarySearchFunc(cs.keys, ch.key, bytes.Compare); ok && cs.versions[i] < ch.version {
			cs.booked[i], cs.versions[i] = ch.booked, ch.version
		}
	}
	return nil
}

// drop forgets the services of keys: a transaction that changed their counts
// ended without knowing whether it committed (pgsettle.go).
func (c *slotCache) drop(keys [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if _, m, s, _, err := slotWindowParts(k); err == nil {
			svc := string(serviceKey(m, s))
			c.gens[svc]++
			delete(c.services, svc)
		}
	}
}

// merchant answers whether the merchant is in the feed, when known.
func (c *slotCache) merchant(merchantID string) (has, known bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	has, known = c.merchants[merchantID]
	return has, known
}

// putMerchant remembers a merchant's presence read at epoch.
func (c *slotCache) putMerchant(merchantID string, has bool, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == epoch {
		c.merchants[merchantID] = has
	}
}

// catalogRecord returns a cached merchant or service record.
func (c *slotCache) catalogRecord(key string) ([]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	raw, ok := c.catalog[key]
	return raw, ok
}

// putCatalogRecord caches a merchant or service record read at epoch.
func (c *slotCache) putCatalogRecord(key string, raw []byte, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == epoch {
		c.catalog[key] = raw
	}
}

// currentEpoch is the epoch to pass to putMerchant for a read that starts now.
func (c *slotCache) currentEpoch() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.epoch
}

// service returns the cached service (nil when not cached or too old).
func (c *slotCache) service(svc string) *cachedService {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cs := c.services[svc]
	if cs == nil || time.Since(cs.filled) > cacheTTL {
		return nil
	}
	return cs
}

// summaries calls fn with the summary of each cached slot of cs whose key starts
// with prefix (servicePrefixLen long for the service's part).
func (c *slotCache) summaries(cs *cachedService, prefix []byte, servicePrefixLen int, sum *booking.SlotSummary, fn func(*booking.SlotSummary) bool) error {
	c.mu.RLock()
	i, _ := slices.BinarySearchFunc(cs.keys, prefix, bytes.Compare)
	end := i
	for end < len(cs.keys) && bytes.HasPrefix(cs.keys[end], prefix) {
		end++
	}
	booked := slices.Clone(cs.booked[i:end])
	c.mu.RUnlock()
	for j, k := range cs.keys[i:end] {
		parts, ok := feeds.SlotKey(k).Parts(servicePrefixLen)
		if !ok {
			return fmt.Errorf("slot %x: malformed key", k)
		}
		*sum = booking.SlotSummary{
			DurationSec: parts.DurationSec, StaffID: parts.StaffID, RoomID: parts.RoomID, PartySize: parts.PartySize,
			Booked: booked[j],
		}
		if err := decodeSlotSummary(cs.records[i+j], sum); err != nil {
			return fmt.Errorf("slot %x: %w", k, err)
		}
		if !fn(sum) {
			break
		}
	}
	return nil
}

// fill reads the service and its slots from the database and caches them, unless
// a notification about them arrived meanwhile; when another fill of it is under
// way it waits for that one instead. It returns the cached service, or nil.
func (c *slotCache) fill(ctx context.Context, merchantID, serviceID string) (*cachedService, error) {
	svc := string(serviceKey(merchantID, serviceID))
	c.mu.Lock()
	if done := c.filling[svc]; done != nil {
		c.mu.Unlock()
		select {
		case <-done:
			return c.service(svc), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	done := make(chan struct{})
	c.filling[svc] = done
	epoch, gen := c.epoch, c.gens[svc]
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.filling, svc)
		c.mu.Unlock()
		close(done)
	}()

	cs := &cachedService{filled: time.Now()}
	servicePrefix := feeds.ServicePrefix(merchantID, serviceID)
	b := &pgx.Batch{}
	var raw []byte
	found := false
	b.Queue(`SELECT record FROM services WHERE merchant_id = $1 AND service_id = $2`, merchantID, serviceID).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	query, args := slotsSelect(servicePrefix, prefixEnd(servicePrefix),
		`, coalesce((SELECT b.version FROM slot_booked b WHERE b.slot_key = s.slot_key), 0)`)
	b.Queue(query, args...).Query(func(rows pgx.Rows) error {
		var (
			key, rec   []byte
			n, version int64
		)
		_, err := pgx.ForEachRow(rows, []any{&key, &rec, &n, &version}, func() error {
			cs.keys, cs.records = append(cs.keys, key), append(cs.records, rec)
			cs.booked, cs.versions = append(cs.booked, n), append(cs.versions, version)
			return nil
		})
		return err
	})
	if err := c.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	if !found {
		return nil, nil // the database path answers ErrNotFound
	}
	if err := decodeServiceSummary(raw, &cs.summary); err != nil {
		return nil, fmt.Errorf("service %q of merchant %q: %w", serviceID, merchantID, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch || c.gens[svc] != gen {
		return nil, nil
	}
	c.services[svc] = cs
	return cs, nil
}
