package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// The count changes of a dead replica. A replica tells the others of its count
// changes after its commits (pgbroadcast.go): what it committed in its last
// milliseconds before it died (kill -9, a crash) was never sent, and their caches
// would answer those slots' old counts until they fill the services again
// (cacheTTL). So every replica watches the others (deathWatch):
//
//   - each replica's name (replicaName: a prefix and its tag, one length for
//     all) begins the name of every session it opens (its pool's, and so its
//     LISTEN connection's; its broadcaster's with a suffix; either with the
//     operator's application_name after it, sessionName), and it holds its
//     lease-owner lock on its LISTEN connection for its life (pglease.go);
//   - every deathCheckInterval a replica reads, in one cheap statement, the
//     replicas' names that begin the sessions' names that hold an owner lock of
//     its schema: a replica that held one at the last check and holds none now
//     died or closed (or lost its LISTEN connection: if its lock comes back,
//     nothing is done);
//   - its transactions may still commit after its lock went (a COMMIT already on
//     its way runs when it arrives, and a session ends only when the server finds
//     its socket closed), so the replica waits until no session whose name begins
//     with the replica's is left (pg_stat_activity), polling every
//     deathPollInterval;
//   - then, unless the replica recorded that it closed cleanly, it reads the
//     counts changed since a while before the death (those whose version,
//     pgschema/0011_slot_versions.sql, is above the one the sequence had
//     recountWindow before) and applies them to its cache: versioned, they replace
//     only older counts, whatever order they come in.
//
// Nothing is added to a booking's transaction. The recount scans slot_booked (one
// row per slot ever booked) and sends back only the rows changed in the window:
// about 0.2 s at 1,000,000 rows, on every replica, for each one that ends.
//
// A replica that closes (Close: a server stopped, and every short-lived store of
// a command such as feeds load) need not cost that: once its pool is closed, no
// change of it can commit or be queued any more; its broadcaster sends what is
// queued and then, on its own connection, inserts the replica's row in
// replica_closes (pgschema/0013_replica_closes.sql, broadcaster.finish). That
// connection is one of the replica's sessions, so a watching replica that finds
// them all ended reads, in a statement begun after, the row if it was written, and
// skips the recount. The row is written only when every send succeeded and no
// change of unknown outcome went unsettled (broadcaster.lost): a replica killed, or
// closed with a send failed (its connection lost, the server unreachable), writes
// none, and the others recount as before. A row that comes too late (the
// broadcaster reconnecting after the others saw the pool's sessions end) only
// costs a recount that was not needed.
//
// What this does not cover, and cacheTTL still bounds: a change whose transaction
// took its version more than recountWindow before its replica died (or before the
// watching replica started) and was never sent (its broadcaster failing for that
// long); a replica that died within a check of its start, its lock never seen; a
// replica whose machine vanished without closing its connections, until the server
// notices (TCP keepalive). Serializable-only mode (CockroachDB: no advisory locks)
// has no owner locks to watch, and keeps cacheTTL as the bound.
type deathWatch struct {
	p *Postgres
	// self is this replica's name (replicaName), never another's.
	self string
	// alive has the names of the replicas that held an owner lock at the last
	// check.
	alive map[string]bool
	// dead has the replicas whose lock went, waited for until their sessions end.
	dead map[string]deadReplica
	// marks are the version sequence's values at the checks of the last
	// recountWindow, oldest first, and the newest before it.
	marks []versionMark
	// checks, recounts and closes count the checks done, the recounts read, and
	// the replicas that ended after recording a clean close (no recount), for the
	// tests.
	checks, recounts, closes atomic.Int64
}

// deadReplica is a replica whose lock was seen gone.
type deadReplica struct {
	seen time.Time
	// since is the version above which its changes may be unsent.
	since int64
}

// versionMark is the last count version taken (slot_booked_version) at a check.
type versionMark struct {
	at      time.Time
	version int64
}

const (
	// deathCheckInterval is how often a replica looks for the others' deaths:
	// beyond the dead one's sessions' end, how long its last counts may go unseen.
	deathCheckInterval = time.Second
	// deathPollInterval is how often, for deathPollFor after a death, a replica
	// looks whether the dead one's sessions ended (they end in milliseconds after
	// kill -9; a replica that only lost its LISTEN connection keeps them).
	deathPollInterval = 100 * time.Millisecond
	deathPollFor      = 5 * time.Second
	// recountWindow is how long before its death a replica's change may have taken
	// its version and still be unsent: a reservation takes it with its COMMIT, an
	// Update some round trips before, and the broadcaster sends within
	// sendInterval, or retries for a few seconds when its connection fails.
	recountWindow = 30 * time.Second
)

// replicaName is the name of the replica whose tag is tag: the application_name
// of its pool's sessions (pg_stat_activity), unless the operator's follows
// (sessionName), and the start of its broadcaster's. Every tag has one length
// (newReplicaTag), so no replica's name begins another's, and the names of a
// replica's sessions begin with its own and no other. sessionNamePrefix begins
// every one (a replica of a binary before 2026-12-02 names its sessions
// otherwise, and is not watched).
func replicaName(tag string) string { return sessionNamePrefix + tag }

const sessionNamePrefix = "bookingserver replica "

// newReplicaTag returns a new replica's tag: it marks the replica's notifications
// (pgcache.go) and names its sessions.
func newReplicaTag() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newDeathWatch(p *Postgres) *deathWatch {
	return &deathWatch{p: p, self: replicaName(p.cache.tag), alive: map[string]bool{}, dead: map[string]deadReplica{}}
}

// run checks until ctx ends: every deathCheckInterval, and every
// deathPollInterval shortly after a death.
func (w *deathWatch) run(ctx context.Context) {
	failing := false
	for {
		wait := deathCheckInterval
		for _, d := range w.dead {
			if time.Since(d.seen) < deathPollFor {
				wait = deathPollInterval
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		err := w.check(ctx)
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			slog.Warn("availability cache: cannot look for dead replicas; again every second", "err", err)
		case err == nil && failing:
			slog.Info("availability cache: looking for dead replicas again")
		}
		failing = err != nil
	}
}

// watchQuery reads, for schema space $1, the names of the other replicas (not
// $2, this one's; all as long as it) whose sessions hold an owner lock
// (exclusive: a claim's shared test of a dead owner's lock is not one), those of
// $3 that still begin a session's name (a pool's or a broadcaster's), and the
// last count version taken (0 before the first). $4 begins every replica's name.
const watchQuery = `SELECT
	ARRAY(SELECT DISTINCT left(a.application_name, length($2::text)) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.classid = $1::integer::oid AND l.objsubid = 2 AND l.mode = 'ExclusiveLock'
		AND l.granted AND starts_with(a.application_name, $4) AND NOT starts_with(a.application_name, $2)),
	ARRAY(SELECT d FROM unnest($3::text[]) d
		WHERE EXISTS (SELECT 1 FROM pg_stat_activity WHERE starts_with(application_name, d))),
	(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM slot_booked_version)`

// check looks once: it marks the replicas whose lock went since the last check as
// dead, and recounts for those dead before whose sessions have all ended.
func (w *deathWatch) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var (
		holders, lingering []string
		version            int64
	)
	dead := slices.Collect(maps.Keys(w.dead))
	if err := w.p.pool.QueryRow(ctx, watchQuery, w.p.owner.space, w.self, dead, sessionNamePrefix).Scan(&holders, &lingering, &version); err != nil {
		return err
	}
	now := time.Now()
	w.mark(now, version)
	held := map[string]bool{}
	for _, name := range holders {
		held[name] = true
	}
	var ended []string
	for name, d := range w.dead {
		switch {
		case held[name]:
			delete(w.dead, name) // it lives, and sends its changes itself
		case !slices.Contains(lingering, name):
			ended = append(ended, name)
		case now.Sub(d.seen) > cacheTTL: // its services are filled again by now
			slog.Warn("availability cache: a dead replica's sessions never ended; its last counts are not read", "replica", name)
			delete(w.dead, name)
		}
	}
	if len(ended) > 0 {
		var err error
		if ended, err = w.skipClosed(ctx, ended); err != nil {
			return fmt.Errorf("replicas closed cleanly: %w", err)
		}
	}
	if len(ended) > 0 {
		since := w.dead[ended[0]].since
		for _, name := range ended {
			since = min(since, w.dead[name].since)
		}
		n, err := w.recount(ctx, since)
		if err != nil {
			return fmt.Errorf("counts changed since version %d: %w", since, err)
		}
		for _, name := range ended {
			delete(w.dead, name)
		}
		w.recounts.Add(1)
		slog.Info("availability cache: read the counts a replica that ended may not have sent", "replicas", ended, "since_version", since, "counts", n)
	}
	for name := range w.alive {
		if !held[name] {
			w.dead[name] = deadReplica{seen: now, since: w.marks[0].version}
		}
	}
	w.alive = held
	w.checks.Add(1)
	return nil
}

// skipClosed forgets the replicas of ended (dead, their sessions all ended) that
// recorded a clean close, and returns the others. It reads after the check that
// found their sessions ended: a row written before the last of them ended is seen.
func (w *deathWatch) skipClosed(ctx context.Context, ended []string) ([]string, error) {
	rows, _ := w.p.pool.Query(ctx, `SELECT replica FROM replica_closes WHERE replica = ANY($1)`, ended)
	closed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, name := range closed {
		delete(w.dead, name)
		w.closes.Add(1)
		slog.Debug("availability cache: a replica closed cleanly, having sent its counts", "replica", name)
	}
	return slices.DeleteFunc(ended, func(name string) bool { return slices.Contains(closed, name) }), nil
}

// mark records the last version taken at a check, and forgets the marks older than
// the newest one from recountWindow ago: marks[0] is then that one, or the oldest.
func (w *deathWatch) mark(at time.Time, version int64) {
	w.marks = append(w.marks, versionMark{at: at, version: version})
	old := 0
	for old+1 < len(w.marks) && !w.marks[old+1].at.After(at.Add(-recountWindow)) {
		old++
	}
	w.marks = w.marks[old:]
}

// recount applies to the cache the counts whose version is above since, and
// returns how many it read.
func (w *deathWatch) recount(ctx context.Context, since int64) (int, error) {
	rows, _ := w.p.pool.Query(ctx, `SELECT slot_key, booked, version FROM slot_booked WHERE version > $1`, since)
	var (
		c       slotChange
		changes []slotChange
	)
	_, err := pgx.ForEachRow(rows, []any{&c.key, &c.booked, &c.version}, func() error {
		changes = append(changes, slotChange{key: slices.Clone(c.key), booked: c.booked, version: c.version})
		return nil
	})
	if err != nil {
		return 0, err
	}
	// In parts: lookups wait for each part's lock, not for the whole window's.
	for part := range slices.Chunk(changes, 1000) {
		if err := w.p.cache.apply(part); err != nil {
			slog.Error("availability cache: dropped after a change it cannot read", "err", err)
			w.p.cache.reset()
			break
		}
	}
	return len(changes), nil
}
