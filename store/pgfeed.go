package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// LoadFeed is Store.LoadFeed on PostgreSQL, with the same steps and answers. Loads
// hold a replica lock (pglock.go) for their whole run, so that replicas loading
// feeds at once take turns: validation reads what the previous load wrote. Loads of
// one replica wait for each other before they take connections (a lock row needs a
// second one), so that waiting loads never hold the pool the running one needs.
// Slots are written with COPY. A caller scoped to one merchant may upload that
// merchant's records only.
func (p *Postgres) LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (LoadSummary, error) {
	if m := booking.ScopeOf(ctx).MerchantID(); m != "" {
		if err := onlyMerchant(kind, data, m); err != nil {
			return LoadSummary{Kind: kind}, err
		}
	}
	select {
	case p.feedLoads <- struct{}{}:
		defer func() { <-p.feedLoads }()
	case <-ctx.Done():
		return LoadSummary{Kind: kind}, ctx.Err()
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return LoadSummary{Kind: kind}, err
	}
	defer conn.Release()
	release, err := replicaLocks{rows: p.serializableOnly}.hold(ctx, p.pool, conn, lockFeedLoad)
	if err != nil {
		return LoadSummary{Kind: kind}, fmt.Errorf("feed load lock: %w", err)
	}
	defer release()
	l := &pgLoad{conn: conn, ctx: ctx, kind: kind, cache: p.cache, p: p}
	if kind == bsv1.FeedKind_FEED_KIND_AVAILABILITY {
		return l.availability(data)
	}
	return l.catalogFeed(data)
}

// pgLoad is one feed load on the connection that holds the feed lock.
type pgLoad struct {
	conn  *pgxpool.Conn
	ctx   context.Context
	kind  bsv1.FeedKind
	cache *slotCache
	p     *Postgres
}

// view runs fn in a read-only snapshot on the load's connection. The snapshot
// stays open, idle, while the feed is decoded and checked against it, however
// long the feed: it lifts the idle in transaction timeout (pgsession.go). It holds
// no row lock.
func (l *pgLoad) view(fn func(*pgTxn) error) error {
	return l.write(pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(t *pgTxn) error {
		if _, err := t.exec(unlimitedIdleInTransaction); err != nil {
			return err
		}
		return fn(t)
	})
}

// write runs fn in a transaction on the load's connection. On PostgreSQL loads are
// not retried: they run READ COMMITTED under the feed lock, and write only feed
// tables. In serializable-only mode a reservation that locked or read a slot the
// load rewrites can make it fail to serialize: it runs again (fn may run more than
// once). Every replica's availability cache is dropped when a writing transaction
// commits.
func (l *pgLoad) write(opts pgx.TxOptions, fn func(*pgTxn) error) error {
	if l.p.serializableOnly {
		return l.p.retry(l.ctx, func() error { return l.writeOnce(opts, fn) })
	}
	return l.writeOnce(opts, fn)
}

func (l *pgLoad) writeOnce(opts pgx.TxOptions, fn func(*pgTxn) error) error {
	tx, err := l.conn.BeginTx(l.ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(l.ctx)) //nolint:errcheck // after Commit it is a no-op
	t := &pgTxn{ctx: l.ctx, tx: tx, cache: l.cache, serializableOnly: l.p.serializableOnly}
	if err := fn(t); err != nil {
		if t.err != nil {
			return t.err // a statement failed first: its error is the cause (retryable or not)
		}
		return err
	}
	readOnly := opts.AccessMode == pgx.ReadOnly
	if !readOnly {
		if _, err := t.exec(`SELECT pg_notify($1, '*')`, t.cache.channels.slots); err != nil {
			return err
		}
	}
	if t.err != nil {
		return t.err
	}
	err = tx.Commit(l.ctx)
	if !readOnly {
		l.cache.reset()
	}
	return err
}

// catalogFeed loads a merchant or service feed.
func (l *pgLoad) catalogFeed(data []byte) (LoadSummary, error) {
	sum := LoadSummary{Kind: l.kind}
	f, err := parseFeed(l.kind, data)
	if err != nil {
		return sum, err
	}
	meta := f.GetMetadata()
	if err := l.checkGeneration(meta); err != nil {
		return sum, err
	}
	if meta.GetTotalShards() > 1 {
		if sum.PendingShards, err = l.storeShard(meta, data); err != nil || sum.PendingShards > 0 {
			return sum, err
		}
		var raws [][]byte
		if err := l.eachShard(meta, func(_ int, raw []byte) error { raws = append(raws, raw); return nil }); err != nil {
			return sum, err
		}
		if f, err = mergeShards(l.kind, meta, raws); err != nil {
			return sum, err
		}
	}
	if err := l.view(func(t *pgTxn) error { return validateFeed(l.kind, f, newCatalog(t)) }); err != nil {
		return sum, err
	}
	err = l.write(pgx.TxOptions{}, func(t *pgTxn) error {
		sum = LoadSummary{Kind: l.kind}
		switch f := f.(type) {
		case *acv3.MerchantFeed:
			if err := t.applyMerchants(f, completeScope(l.ctx), &sum); err != nil {
				return err
			}
		case *acv3.ServiceFeed:
			if err := t.applyServices(f, completeScope(l.ctx), &sum); err != nil {
				return err
			}
		}
		return t.finishFeed(l.kind, meta)
	})
	return sum, err
}

// applyMerchants is applyMerchants on PostgreSQL: a complete feed first removes the
// merchants it omits; then the feed's merchants are upserted, each added or changed
// one (and each removed one) getting a merchant RTU.
func (t *pgTxn) applyMerchants(f *acv3.MerchantFeed, scope string, sum *LoadSummary) error {
	var changes catalogChanges
	if f.GetMetadata().GetProcessingInstruction() == acv3.FeedMetadata_PROCESS_AS_COMPLETE {
		if err := t.removeOmittedMerchants(f, scope, sum, &changes); err != nil {
			return err
		}
	}
	for _, m := range f.GetMerchant() {
		old, err := t.Merchant(m.GetMerchantId())
		switch {
		case errors.Is(err, booking.ErrNotFound):
			changes.put(m.GetMerchantId(), "", nil, m)
		case err != nil:
			return err
		default:
			changes.put(m.GetMerchantId(), "", old, m)
		}
		if err := t.putRecord(m, `INSERT INTO merchants (merchant_id, record) VALUES ($1, $2)
			ON CONFLICT (merchant_id) DO UPDATE SET record = excluded.record`, m.GetMerchantId()); err != nil {
			return err
		}
		sum.Records++
	}
	return t.markInventory(changes)
}

// removeOmittedMerchants removes the merchants of scope that complete merchant
// feed f omits, with their services and slots, as applyMerchants does on bbolt.
func (t *pgTxn) removeOmittedMerchants(f *acv3.MerchantFeed, scope string, sum *LoadSummary, changes *catalogChanges) error {
	var kept []string
	for m := range merchantsOf(f.GetMerchant(), (*acv3.Merchant).GetMerchantId) {
		kept = append(kept, m)
	}
	rows, err := t.tx.Query(t.ctx, `DELETE FROM merchants WHERE NOT (merchant_id = ANY($1)) AND ($2 = '' OR merchant_id = $2) RETURNING merchant_id`, kept, scope)
	if err != nil {
		return t.fail(err)
	}
	omitted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return t.fail(err)
	}
	rm := newSlotRemoval(sum, nil)
	for _, m := range omitted {
		changes.removed(m, "")
		sum.Removed++
		n, err := t.exec(`DELETE FROM services WHERE merchant_id = $1`, m)
		if err != nil {
			return err
		}
		sum.Removed += int(n)
		if err := t.deleteSlotPrefix(scopePrefix(m), rm); err != nil {
			return err
		}
	}
	return t.markWindows(&rm.changed)
}

// applyServices is applyServices on PostgreSQL.
func (t *pgTxn) applyServices(f *acv3.ServiceFeed, scope string, sum *LoadSummary) error {
	removed := map[string][]byte{} // key → the service as it was
	if f.GetMetadata().GetProcessingInstruction() == acv3.FeedMetadata_PROCESS_AS_COMPLETE {
		rows, err := t.tx.Query(t.ctx, `DELETE FROM services WHERE ($1 = '' OR merchant_id = $1) RETURNING merchant_id, service_id, record`, scope)
		if err != nil {
			return t.fail(err)
		}
		var (
			m, id string
			raw   []byte
		)
		if _, err := pgx.ForEachRow(rows, []any{&m, &id, &raw}, func() error {
			removed[string(serviceKey(m, id))] = bytes.Clone(raw)
			return nil
		}); err != nil {
			return t.fail(err)
		}
	}
	var changes catalogChanges
	for _, svc := range f.GetService() {
		key := string(serviceKey(svc.GetMerchantId(), svc.GetServiceId()))
		raw, wasRemoved := removed[key]
		if !wasRemoved {
			if err := t.get(`SELECT record FROM services WHERE merchant_id = $1 AND service_id = $2`,
				[]any{svc.GetMerchantId(), svc.GetServiceId()}, &raw); err != nil && !errors.Is(err, booking.ErrNotFound) {
				return err
			}
		}
		old, err := oldRecord(raw, &acv3.Service{})
		if err != nil {
			return fmt.Errorf("service %q: %w", key, err)
		}
		changes.put(svc.GetMerchantId(), svc.GetServiceId(), old, svc)
		if err := t.putRecord(svc, `INSERT INTO services (merchant_id, service_id, record) VALUES ($1, $2, $3)
			ON CONFLICT (merchant_id, service_id) DO UPDATE SET record = excluded.record`, svc.GetMerchantId(), svc.GetServiceId()); err != nil {
			return err
		}
		delete(removed, key)
		sum.Records++
	}
	sum.Removed = len(removed)
	rm := newSlotRemoval(sum, nil)
	for key := range removed {
		m, s, _ := strings.Cut(key, "\x00")
		changes.removed(m, s)
		if err := t.deleteSlotPrefix(append([]byte(key), 0), rm); err != nil {
			return err
		}
	}
	if err := t.markInventory(changes); err != nil {
		return err
	}
	return t.markWindows(&rm.changed)
}

// finishFeed is finishFeed on PostgreSQL.
func (t *pgTxn) finishFeed(kind bsv1.FeedKind, meta *acv3.FeedMetadata) error {
	if meta.GetTotalShards() > 1 {
		if _, err := t.exec(`DELETE FROM feed_shards WHERE kind = $1 AND nonce = $2`, kindName(kind), int64(meta.GetNonce())); err != nil {
			return err
		}
	}
	state := &bsv1.FeedState{GenerationTimestamp: meta.GetGenerationTimestamp(), Nonce: meta.GetNonce(), AppliedUnix: time.Now().Unix()}
	return t.putRecord(state, `INSERT INTO feed_state (kind, record) VALUES ($1, $2)
		ON CONFLICT (kind) DO UPDATE SET record = excluded.record`, kindName(kind))
}

// checkGeneration refuses a feed older than the last applied one of its kind.
func (l *pgLoad) checkGeneration(meta *acv3.FeedMetadata) error {
	return l.view(func(t *pgTxn) error {
		applied := &bsv1.FeedState{}
		err := t.getRecord(applied, `SELECT record FROM feed_state WHERE kind = $1`, kindName(l.kind))
		return refuseOlder(l.kind, meta, applied, err)
	})
}

// storeShard stores a shard and returns how many shards of its nonce are missing.
func (l *pgLoad) storeShard(meta *acv3.FeedMetadata, data []byte) (int, error) {
	stored := 0
	err := l.write(pgx.TxOptions{}, func(t *pgTxn) error {
		if _, err := t.exec(`INSERT INTO feed_shards (kind, nonce, shard, data) VALUES ($1, $2, $3, $4)
			ON CONFLICT (kind, nonce, shard) DO UPDATE SET data = excluded.data`,
			kindName(l.kind), int64(meta.GetNonce()), meta.GetShardNumber(), data); err != nil {
			return err
		}
		return t.get(`SELECT count(*) FROM feed_shards WHERE kind = $1 AND nonce = $2`,
			[]any{kindName(l.kind), int64(meta.GetNonce())}, &stored)
	})
	return max(0, int(meta.GetTotalShards())-stored), err
}

// eachShard calls fn with each stored shard of the nonce of meta, in shard order.
func (l *pgLoad) eachShard(meta *acv3.FeedMetadata, fn func(i int, data []byte) error) error {
	rows, err := l.conn.Query(l.ctx, `SELECT data FROM feed_shards WHERE kind = $1 AND nonce = $2 ORDER BY shard`,
		kindName(l.kind), int64(meta.GetNonce()))
	if err != nil {
		return err
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return err
	}
	for i, raw := range raws {
		if err := fn(i, raw); err != nil {
			return err
		}
	}
	return nil
}

// availability is loadAvailability on PostgreSQL: the same streaming pass and
// checks, then one transaction that deletes what the feed replaces and COPYs its
// slots in.
func (l *pgLoad) availability(data []byte) (LoadSummary, error) {
	sum := LoadSummary{Kind: l.kind}
	var b *slotBatch
	err := l.view(func(t *pgTxn) error {
		b = newSlotBatch(feeds.NewAvailabilityStream(newCatalog(t)))
		return b.stream.Decode(data, &shardSkipper{b})
	})
	if err != nil {
		return sum, parseError(err)
	}
	meta := b.meta
	if err := l.checkGeneration(meta); err != nil {
		return sum, err
	}
	if meta.GetTotalShards() > 1 {
		b = nil
		if sum.PendingShards, err = l.storeShard(meta, data); err != nil || sum.PendingShards > 0 {
			return sum, err
		}
		err = l.view(func(t *pgTxn) error {
			b, meta, err = streamShardData(newCatalog(t), l.kind, meta, func(fn func(int, []byte) error) error { return l.eachShard(meta, fn) })
			return err
		})
		if err != nil {
			return sum, err
		}
	}
	if err := b.stream.Validate(meta); err != nil {
		return sum, fmt.Errorf("%w: %w", err, booking.ErrInvalid)
	}
	b.stream = nil
	b.sort()
	complete := meta.GetProcessingInstruction() == acv3.FeedMetadata_PROCESS_AS_COMPLETE
	err = l.write(pgx.TxOptions{}, func(t *pgTxn) error {
		sum = LoadSummary{Kind: l.kind}
		if err := t.applyAvailability(b, complete, completeScope(l.ctx), &sum); err != nil {
			return err
		}
		return t.finishFeed(l.kind, meta)
	})
	return sum, err
}

// applyAvailability is applyAvailability on PostgreSQL. After a complete feed's
// delete every slot of the batch is new (its scope was emptied), so the batch is
// COPYed straight into slots; an incremental feed's is COPYed into a temporary
// table and upserted from there (in serializable-only mode, where CockroachDB has
// no ON COMMIT DROP, upserted from arrays: upsertSlots). Each UTC day of each
// service whose slots were written or removed gets an availability RTU, as on bbolt.
func (t *pgTxn) applyAvailability(b *slotBatch, complete bool, scope string, sum *LoadSummary) error {
	rm := newSlotRemoval(sum, b.has)
	if complete {
		if err := t.deleteSlotPrefix(scopePrefix(scope), rm); err != nil {
			return err
		}
	}
	for _, sa := range b.restricts {
		doomed, err := t.restrictedSlots(sa)
		if err != nil {
			return err
		}
		rows, err := t.tx.Query(t.ctx, `DELETE FROM slots WHERE slot_key = ANY($1)`+slotsReturning, doomed)
		if err != nil {
			return t.fail(err)
		}
		if err := t.removedSlots(rows, rm); err != nil {
			return err
		}
	}
	if err := t.writeSlots(b, complete); err != nil {
		return err
	}
	for _, p := range b.pairs {
		rm.changed.addSlot(b.key(p))
	}
	sum.Records = len(b.pairs)
	return t.markWindows(&rm.changed)
}

// writeSlots writes the slots of b: COPYed into slots after a complete feed's delete,
// else upserted.
func (t *pgTxn) writeSlots(b *slotBatch, complete bool) error {
	switch {
	case complete:
		return t.copySlots("slots", b)
	case t.serializableOnly:
		return t.upsertSlots(&batchRows{b: b, i: -1})
	}
	if _, err := t.exec(`CREATE TEMPORARY TABLE incoming_slots (slot_key bytea, record bytea) ON COMMIT DROP`); err != nil {
		return err
	}
	if err := t.copySlots("incoming_slots", b); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO slots (slot_key, record) SELECT slot_key, record FROM incoming_slots
		ON CONFLICT (slot_key) DO UPDATE SET record = excluded.record`)
	return err
}

// copySlots COPYs the slots of b into table.
func (t *pgTxn) copySlots(table string, b *slotBatch) error {
	if _, err := t.tx.CopyFrom(t.ctx, pgx.Identifier{table}, []string{"slot_key", "record"}, &batchRows{b: b, i: -1}); err != nil {
		return t.fail(fmt.Errorf("copy slots: %w", err))
	}
	return nil
}

// upsertChunk is how many slots one statement of upsertSlots writes.
const upsertChunk = 10000

// upsertSlots writes rows into slots, replacing the records of existing keys, with
// one INSERT … SELECT FROM unnest … ON CONFLICT per upsertChunk rows (rows' keys are
// sorted and unique: no statement touches a row twice).
func (t *pgTxn) upsertSlots(rows *batchRows) error {
	keys, recs := make([][]byte, 0, upsertChunk), make([][]byte, 0, upsertChunk)
	write := func() error {
		_, err := t.exec(`INSERT INTO slots (slot_key, record) SELECT * FROM unnest($1::bytea[], $2::bytea[])
			ON CONFLICT (slot_key) DO UPDATE SET record = excluded.record`, keys, recs)
		keys, recs = keys[:0], recs[:0]
		return err
	}
	for rows.Next() {
		v, _ := rows.Values()
		keys, recs = append(keys, v[0].([]byte)), append(recs, v[1].([]byte))
		if len(keys) == upsertChunk {
			if err := write(); err != nil {
				return err
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return write()
}

// slotsReturning makes a DELETE FROM slots answer each key and whether it holds
// live bookings, for removedSlots.
const slotsReturning = ` RETURNING slot_key, EXISTS (SELECT 1 FROM slot_booked b WHERE b.slot_key = slots.slot_key AND b.booked > 0)`

// deleteSlotPrefix deletes the slots whose keys start with prefix (every slot for
// an empty one), noting each in rm.
func (t *pgTxn) deleteSlotPrefix(prefix []byte, rm *slotRemoval) error {
	cond, args := keyRange("slot_key", prefix, prefixEnd(prefix))
	rows, err := t.tx.Query(t.ctx, `DELETE FROM slots WHERE `+cond+slotsReturning, args...)
	if err != nil {
		return t.fail(err)
	}
	return t.removedSlots(rows, rm)
}

// removedSlots notes in rm the slots a DELETE … slotsReturning answered.
func (t *pgTxn) removedSlots(rows pgx.Rows, rm *slotRemoval) error {
	var (
		key    []byte
		booked bool
	)
	_, err := pgx.ForEachRow(rows, []any{&key, &booked}, func() error {
		rm.removed(bytes.Clone(key), booked)
		return nil
	})
	return t.fail(err)
}

// restrictedSlots returns the keys of the existing slots that sa's restricts name
// (as deleteRestricted).
func (t *pgTxn) restrictedSlots(sa *acv3.ServiceAvailability) ([][]byte, error) {
	from, to := restrictRange(sa)
	cond, args := keyRange("slot_key", from, to)
	rows, err := t.tx.Query(t.ctx, `SELECT slot_key, record FROM slots WHERE `+cond, args...)
	if err != nil {
		return nil, t.fail(err)
	}
	var (
		key, raw []byte
		doomed   [][]byte
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &raw}, func() error {
		rec := &bsv1.SlotRecord{}
		if err := unmarshal(raw, rec); err != nil {
			return fmt.Errorf("slot %x: %w", key, err)
		}
		if restricted(sa, rec.GetAvailability()) {
			doomed = append(doomed, key)
		}
		return nil
	})
	return doomed, t.fail(err)
}

// batchRows is a sorted slotBatch as pgx.CopyFromSource. Of pairs with the same key
// only the last is written, as when bbolt puts them in order.
type batchRows struct {
	b    *slotBatch
	i    int
	vals [2]any // the row handed to pgx, reused: it encodes each row before the next
}

func (r *batchRows) Next() bool {
	for r.i++; r.i+1 < len(r.b.pairs); r.i++ {
		if string(r.b.key(r.b.pairs[r.i])) != string(r.b.key(r.b.pairs[r.i+1])) {
			break
		}
	}
	return r.i < len(r.b.pairs)
}

func (r *batchRows) Values() ([]any, error) {
	p := r.b.pairs[r.i]
	r.vals[0], r.vals[1] = r.b.key(p), r.b.value(p)
	return r.vals[:], nil
}

func (r *batchRows) Err() error { return nil }
