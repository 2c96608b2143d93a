package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingserver/bookingserver/booking"
)

// Postgres is the PostgreSQL implementation of booking.Store, for several replicas
// sharing one database. It keeps the bbolt store's records (binary protobuf) in
// tables whose keys and indexes are columns (pgschema/), and gives the same
// guarantees across processes that Store gives inside one:
//
//   - Update runs SERIALIZABLE and retries serialization failures and deadlocks, so
//     a capacity check and the spot it takes are one transaction on every replica;
//   - Reserve, the transaction of a new booking, runs READ COMMITTED: it locks the
//     slot rows it reads (bookings of one slot take turns, unrelated ones never
//     conflict), takes the spot with a conditional update and stores the token's
//     answer with an insert that a concurrent replay finds taken (pgreserve.go);
//     on a serializable-only database it runs SERIALIZABLE instead (SerializableOnly);
//   - idempotency tokens are a primary key: of two replicas racing on one token, one
//     commits and the other, retried, reads its answer;
//   - the outbox and the RTU queues are leased with FOR UPDATE SKIP LOCKED, each
//     lease to its replica until it expires or the replica dies (pglease.go);
//   - feed loads and migrations hold a replica lock (pglock.go).
type Postgres struct {
	pool   *pgxpool.Pool
	outbox *PostgresOutbox
	// serializableOnly: every transaction runs SERIALIZABLE and no advisory lock is
	// taken (SerializableOnly).
	serializableOnly bool
	// feedLoads lets one feed load of this replica at a time hold connections: the
	// replicas' loads take turns anyway (LoadFeed).
	feedLoads chan struct{}
	// cache answers availability lookups (pgcache.go), and broadcast tells the other
	// replicas what commits changed (pgbroadcast.go).
	cache     *slotCache
	broadcast *broadcaster
	// owner is this replica's lease owner, whose lock the LISTEN connection holds
	// (pglease.go).
	owner leaseOwner
	// deaths reads the counts the replicas that die may not have sent
	// (pgdeadreplicas.go); nil in serializable-only mode.
	deaths *deathWatch
	// stopListen ends the LISTEN connection that wakes the outbox and keeps the
	// cache fresh, the cache's warm-up, the settles, the death watch and the
	// broadcaster (after its last send); background is the context it cancels.
	stopListen context.CancelFunc
	background context.Context
	// settling has the settles under way (pgsettle.go); none starts once Close
	// cancelled background (settleMu orders the two).
	settleMu   sync.Mutex
	settling   sync.WaitGroup
	listenDone chan struct{}
	// listening is closed once the first LISTEN is in place.
	listening   chan struct{}
	firstListen sync.Once
	warmDone    chan struct{}
	sendDone    chan struct{}
	watchDone   chan struct{}
	closeOnce   sync.Once
}

// listenTimeout bounds how long OpenPostgres waits for its LISTEN connection.
const listenTimeout = 30 * time.Second

// PostgresOption changes how OpenPostgres uses its database.
type PostgresOption func(*postgresOptions)

type postgresOptions struct {
	serializableOnly bool
	// idleInTransaction is the sessions' idle in transaction timeout:
	// idleInTransaction (pgsession.go), shorter in tests.
	idleInTransaction time.Duration
}

// SerializableOnly makes the store use only what a database that runs every
// transaction SERIALIZABLE and has no advisory locks offers — CockroachDB, without
// its sql.txn.read_committed_isolation.enabled setting: reservations run
// SERIALIZABLE and take no advisory lock (their constraints and the database's
// serialization failures, retried, keep them correct), and migrations and feed
// loads take turns on a lock row instead of pg_advisory_lock (pglock.go).
// OpenPostgres chooses it by itself when version() names CockroachDB; the option
// forces it on PostgreSQL, where the tests run the store in this mode.
func SerializableOnly() PostgresOption {
	return func(o *postgresOptions) { o.serializableOnly = true }
}

// OpenPostgres connects to the database at url (postgres://…), migrates its schema
// under a replica lock (replicas starting together never race) and starts
// listening for outbox wake-ups and count changes from other replicas: it returns
// once it listens, so nothing another replica commits after that goes unheard, and
// holds its lease-owner lock (pglease.go).
func OpenPostgres(ctx context.Context, url string, opts ...PostgresOption) (*Postgres, error) {
	o := postgresOptions{idleInTransaction: idleInTransaction}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	// Every connection's: the pool's, the LISTEN connection (one of the pool's) and
	// the broadcaster's (a copy of this config).
	sessionDefaults(cfg.ConnConfig.RuntimeParams, o.idleInTransaction)
	if o.serializableOnly {
		// As on CockroachDB, the transactions that name no isolation level and the
		// single statements run SERIALIZABLE too.
		cfg.ConnConfig.RuntimeParams["default_transaction_isolation"] = "serializable"
	}
	// Every session of the replica is named by its tag: the others wait for all of
	// them to end when it dies (pgdeadreplicas.go). The operator's application_name
	// follows (sessionName).
	tag := newReplicaTag()
	operatorsName := cfg.ConnConfig.RuntimeParams["application_name"]
	cfg.ConnConfig.RuntimeParams["application_name"] = sessionName(replicaName(tag), operatorsName)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if !o.serializableOnly {
		if o.serializableOnly, err = isCockroachDB(ctx, pool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	if err := migratePostgres(ctx, pool, replicaLocks{rows: o.serializableOnly}); err != nil {
		pool.Close()
		return nil, err
	}
	if err := fillMerchantIndex(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	channels, leaseSpace, err := schemaKeys(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	p := &Postgres{pool: pool, cache: newSlotCache(pool, channels, tag), serializableOnly: o.serializableOnly, feedLoads: make(chan struct{}, 1)}
	p.owner.space = leaseSpace
	if !p.serializableOnly {
		// The replicas alive now, and the version mark of the recounts, are known
		// before the cache is first filled.
		p.deaths = newDeathWatch(p)
		if err := p.deaths.check(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("look for other replicas: %w", err)
		}
	}
	sendConfig := cfg.ConnConfig.Copy()
	sendConfig.RuntimeParams["application_name"] = sessionName(notificationsSessionName(tag), operatorsName)
	p.broadcast = newBroadcaster(sendConfig, channels, p.cache.tag)
	p.outbox = &PostgresOutbox{p: p, wake: make(chan struct{}, 1), lease: defaultOutboxLease}
	lctx, cancel := context.WithCancel(context.Background())
	p.stopListen, p.background, p.listenDone, p.listening = cancel, lctx, make(chan struct{}), make(chan struct{})
	go p.listen(lctx)
	select {
	case <-p.listening:
	case <-time.After(listenTimeout):
		p.stopListen()
		<-p.listenDone
		pool.Close()
		return nil, fmt.Errorf("could not LISTEN for other replicas' changes (and take a lease-owner lock) within %s", listenTimeout)
	}
	p.warmDone, p.sendDone, p.watchDone = make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.warmDone)
		p.cache.warm(lctx)
	}()
	go func() {
		defer close(p.watchDone)
		if p.deaths != nil {
			p.deaths.run(lctx)
		}
	}()
	go func() {
		defer close(p.sendDone)
		p.broadcast.run(lctx)
	}()
	return p, nil
}

// Close stops listening, sends what the last commits changed, closes the pool,
// sends what the commits that ended meanwhile changed, and then records, unless
// a send failed, that the replica closed cleanly: the other replicas need not read
// its last counts again (broadcaster.finish, pgdeadreplicas.go). Once the pool is
// closed, every change this replica committed is queued: a transaction holds its
// connection until its changes are queued, or its settle, refused, noted them lost
// (lazyTx, reserveOnce), and the settles under way have ended.
func (p *Postgres) Close() error {
	p.closeOnce.Do(func() {
		p.settleMu.Lock()
		p.stopListen()
		p.settleMu.Unlock()
		<-p.listenDone
		<-p.warmDone
		<-p.watchDone
		p.settling.Wait()
		<-p.sendDone
		p.pool.Close()
		closed := "" // serializable-only mode: no other replica watches this one
		if !p.serializableOnly {
			closed = replicaName(p.cache.tag)
		}
		p.broadcast.finish(closed)
	})
	return nil
}

// isCockroachDB reports whether the server is CockroachDB, which names itself in
// version() ("CockroachDB CCL v…").
func isCockroachDB(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var version string
	if err := pool.QueryRow(ctx, `SELECT version()`).Scan(&version); err != nil {
		return false, fmt.Errorf("server version: %w", err)
	}
	if strings.Contains(version, "CockroachDB") {
		slog.Info("CockroachDB: every transaction runs SERIALIZABLE, replica locks are lock rows", "version", version)
		return true, nil
	}
	return false, nil
}

// SerializableOnly reports whether the store runs in serializable-only mode
// (SerializableOnly).
func (p *Postgres) SerializableOnly() bool { return p.serializableOnly }

// WaitCacheWarm waits until the availability cache holds the whole feed (it is
// filled in the background after the replica starts and after every feed load),
// for a benchmark or a readiness check.
func (p *Postgres) WaitCacheWarm(ctx context.Context) error { return p.cache.waitWarm(ctx) }

// Pool is the connection pool, for tests and benchmarks that query the tables.
func (p *Postgres) Pool() *pgxpool.Pool { return p.pool }

// View implements booking.Store: a read-only REPEATABLE READ transaction is one
// snapshot, and never fails to serialize on PostgreSQL (it is retried where it can,
// on CockroachDB). The availability path (booking.SlotSummaryReader) is answered
// from the replica's cache when it can (pgcache.go), and a View that reads nothing
// else begins no transaction.
func (p *Postgres) View(ctx context.Context, fn func(booking.ReadTx) error) error {
	return p.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(t *pgTxn) error { return fn(t) })
}

// Update implements booking.Store: fn runs in a SERIALIZABLE transaction, again
// from the start when the database reports a serialization failure or a deadlock
// (booking.Store allows fn to run more than once).
func (p *Postgres) Update(ctx context.Context, fn func(booking.Tx) error) error {
	return p.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(t *pgTxn) error { return fn(t) })
}

// Reserve implements booking.Reserver: fn runs READ COMMITTED (SERIALIZABLE in
// serializable-only mode) in reserve mode (pgreserve.go), again from the start when
// it must (a constraint found a concurrent change, serialization failures and
// deadlocks).
func (p *Postgres) Reserve(ctx context.Context, fn func(booking.Tx) error) error {
	return p.retry(ctx, func() error {
		return p.reserveOnce(ctx, func(t *pgTxn) error { return fn(t) })
	})
}

// maxAttempts bounds the retries of one transaction; each waits a random time of
// up to retryBackoff << attempt (at most maxBackoff), so that racing replicas spread.
const (
	maxAttempts  = 100
	retryBackoff = 200 * time.Microsecond
	maxBackoff   = 50 * time.Millisecond
)

// run runs fn in a transaction with opts, retrying it while it fails retryably.
func (p *Postgres) run(ctx context.Context, opts pgx.TxOptions, fn func(*pgTxn) error) error {
	return p.retry(ctx, func() error { return p.runOnce(ctx, opts, fn) })
}

// retry calls once until it succeeds or fails other than retryably.
func (p *Postgres) retry(ctx context.Context, once func() error) error {
	for attempt := 0; ; attempt++ {
		err := once()
		if err == nil || !retryable(err) || attempt+1 >= maxAttempts {
			return err
		}
		wait := min(retryBackoff<<min(attempt, 20), maxBackoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(rand.N(wait) + 1):
		}
	}
}

func (p *Postgres) runOnce(ctx context.Context, opts pgx.TxOptions, fn func(*pgTxn) error) error {
	tx := &lazyTx{pool: p.pool, opts: opts}
	defer tx.rollback(context.WithoutCancel(ctx))
	t := &pgTxn{ctx: ctx, tx: tx, cache: p.cache}
	err := fn(t)
	if err == nil {
		err = t.flush()
	}
	if err == nil && t.err == nil {
		err = tx.commit(ctx)
	}
	return p.ended(t, err)
}

// ended returns the error of the attempt of t that ended with err (nil: it
// committed). A commit's count changes go to this replica's cache at once and to
// the others' through the broadcaster, with a wake-up of every notifier when it
// enqueued. A transaction that changed counts and may have committed
// (outcomeUnknown) is settled (pgsettle.go).
func (p *Postgres) ended(t *pgTxn, err error) error {
	if t.err != nil {
		// A statement failed and fn went on (it may have taken a lookup's error for
		// "not found"): the transaction is aborted, and its first error is the cause.
		err = t.err
	}
	if err == nil {
		if err := p.cache.apply(t.changes); err != nil {
			slog.Error("availability cache: dropped after a change it cannot read", "err", err)
			p.cache.reset()
		}
		p.broadcast.add(t.changes, t.enqueued)
		if t.enqueued {
			p.outbox.signal()
		}
		return nil
	}
	if len(t.touched) > 0 && outcomeUnknown(err) {
		p.settle(t.touched)
	}
	return err
}

// outcomeUnknown reports whether a transaction that failed with err may have
// committed: it failed other than in the database (a lost connection, after COMMIT
// was sent or not), or the database said that it cannot know (CockroachDB's 40003,
// "result is ambiguous"). Any other error of the database's aborted it.
func outcomeUnknown(err error) bool {
	var pe *pgconn.PgError
	return !errors.As(err, &pe) || pe.Code == "40003"
}

// lazyTx begins its transaction at its first statement: a View that the
// availability cache answers makes none. It holds its connection until rollback,
// after the transaction's end (Postgres.ended): a Close that closed the pool finds
// every commit's changes queued.
type lazyTx struct {
	pool *pgxpool.Pool
	opts pgx.TxOptions
	conn *pgxpool.Conn
	tx   pgx.Tx
}

func (l *lazyTx) begin(ctx context.Context) (pgx.Tx, error) {
	if l.tx == nil {
		if l.conn == nil {
			conn, err := l.pool.Acquire(ctx)
			if err != nil {
				return nil, err
			}
			l.conn = conn
		}
		tx, err := l.conn.BeginTx(ctx, l.opts)
		if err != nil {
			return nil, err
		}
		l.tx = tx
	}
	return l.tx, nil
}

func (l *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tx, err := l.begin(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return tx.Exec(ctx, sql, args...)
}

func (l *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	tx, err := l.begin(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Query(ctx, sql, args...)
}

func (l *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	tx, err := l.begin(ctx)
	if err != nil {
		return failedBatch{err}
	}
	return tx.SendBatch(ctx, b)
}

func (l *lazyTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	tx, err := l.begin(ctx)
	if err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, table, columns, src)
}

func (l *lazyTx) commit(ctx context.Context) error {
	if l.tx == nil {
		return nil
	}
	return l.tx.Commit(ctx)
}

// rollback ends the transaction unless it committed, and releases the connection
// (closed by the pool if the transaction could not end).
func (l *lazyTx) rollback(ctx context.Context) {
	if l.tx != nil {
		_ = l.tx.Rollback(ctx) // after Commit it is a no-op
	}
	if l.conn != nil {
		l.conn.Release()
	}
}

// failedBatch is the result of a batch that could not be sent.
type failedBatch struct{ err error }

func (f failedBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, f.err }
func (f failedBatch) Query() (pgx.Rows, error)         { return nil, f.err }
func (f failedBatch) QueryRow() pgx.Row                { return failedRow(f) }
func (f failedBatch) Close() error                     { return f.err }
func (f failedBatch) Tx() pgx.Tx                       { return nil }

type failedRow struct{ err error }

func (f failedRow) Scan(...any) error { return f.err }

// retryable reports whether err is a serialization failure (40001), a deadlock
// (40P01) or a concurrent transaction's change found by a constraint (a spot taken
// after it was read, a token answered after it was read: pgreserve.go): the
// transaction did nothing and may run again. CockroachDB reports every transaction
// it must restart as 40001 too ("restart transaction: …"). Its 40003 (result is
// ambiguous: the commit may or may not have applied) is not retried: running a
// transaction that took a spot or wrote a ledger entry again could apply it twice.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01":
		return true
	case "23514": // check_violation
		return pe.ConstraintName == spotsOpenConstraint
	case "23505": // unique_violation
		return pe.ConstraintName == idempotencyKey
	}
	return false
}

// Reconcile is Store.Reconcile: the count of every slot starting at or after from is
// made equal to its live bookings, in one transaction; it returns the number of
// counts fixed. Both sides are read through indexes by slot start
// (bookings_live_by_start, slot_booked_by_start), not over the whole history.
func (p *Postgres) Reconcile(from time.Time) (int, error) {
	fixed := 0
	var fromSec *int64 // nil: every slot, those of bookings without a start_sec too
	if !from.IsZero() {
		f := from.Unix()
		fromSec = &f
	}
	err := p.run(context.Background(), pgx.TxOptions{IsoLevel: pgx.Serializable}, func(t *pgTxn) error {
		stale, err := t.exec(`DELETE FROM slot_booked b WHERE b.booked <> 0 AND ($1::bigint IS NULL OR slot_key_start(b.slot_key) >= $1)
			AND NOT EXISTS (SELECT 1 FROM bookings k WHERE k.holds_spot AND k.slot_key = b.slot_key)`, fromSec)
		if err != nil {
			return err
		}
		// A repaired count may pass the spots_open of its last take (the feed
		// lowered it): that limit is forgotten, the next take sets it again.
		wrong, err := t.exec(`INSERT INTO slot_booked (slot_key, booked)
			SELECT slot_key, count(*) FROM bookings WHERE holds_spot AND slot_key IS NOT NULL
			AND ($1::bigint IS NULL OR start_sec >= $1) GROUP BY slot_key
			ON CONFLICT (slot_key) DO UPDATE SET booked = excluded.booked, spots_open = NULL, version = nextval('slot_booked_version')
			WHERE slot_booked.booked <> excluded.booked`, fromSec)
		fixed = int(stale + wrong)
		if err != nil || fixed == 0 {
			return err
		}
		_, err = t.exec(`SELECT pg_notify($1, '*')`, t.cache.channels.slots) // the replicas' caches are wrong
		return err
	})
	if fixed > 0 {
		slog.Warn("reconcile: slot counts repaired", "fixed", fixed)
	}
	return fixed, err
}

// PurgeIdempotency is Store.PurgeIdempotency: it deletes the answers of tokens used
// before before, except those of payments still pending, and returns how many.
func (p *Postgres) PurgeIdempotency(before time.Time) (int, error) {
	tag, err := p.pool.Exec(context.Background(), `DELETE FROM idempotency WHERE created_unix < $1 AND NOT pending`, before.Unix())
	return int(tag.RowsAffected()), err
}
