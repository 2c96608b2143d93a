package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// broadcaster tells the other replicas, after the commits, what changed: slot
// counts (for their availability caches) and new outbox records (to wake their
// notifiers). The transactions themselves never NOTIFY: PostgreSQL serialises the
// commits of NOTIFYing transactions on one database-wide lock, held from before
// each one's commit record to the end of its WAL flush, so that one NOTIFY per
// booking made every booking of every replica commit, and wait for the disk, in
// turn (224 bookings/s where the same transactions without it reach the disk's
// group commit). Here one goroutine per replica sends what its commits queued,
// many changes per NOTIFY, while the next ones queue: at most one send per
// sendInterval, for every NOTIFY wakes the backend of every replica's LISTEN
// connection, and each replica's handler.
//
// A change is not sent if the replica dies between its commit and the send (kill
// -9, a crash: a replica that closes sends what is queued first, and then records
// that it closed cleanly, finish). The other replicas see its lease-owner lock go
// and, once its sessions have ended, read the counts changed shortly before unless
// it recorded a clean close (pgdeadreplicas.go): their caches answer the count
// within a second or two of the death. In serializable-only mode (no advisory
// locks, nothing to watch) they keep that slot's count until the service is filled
// again (at most cacheTTL). Count changes carry the slot's version, so they may
// arrive in any order (pgcache.go).
type broadcaster struct {
	// config is the database's; the broadcaster has a connection of its own, so
	// that its sends never queue behind the bookings for the pool's.
	config   *pgx.ConnConfig
	conn     *pgx.Conn // nil until connected, and after an error
	channels pgChannels
	tag      string

	mu      sync.Mutex
	changes map[string]slotChange // by slot key, the latest of each
	outbox  bool                  // a new outbox record waits for a wake-up
	// unsent: a count change that may have committed was never queued (a settle
	// that did not finish, lost): the replica cannot say at its close that it
	// sent every change.
	unsent bool
	kick   chan struct{}
}

// slotChange is a slot's count as a committed transaction left it, and the
// version of that change (pgschema/0011_slot_versions.sql).
type slotChange struct {
	key     []byte
	booked  int64
	version int64
}

// maxPayload keeps a notification under PostgreSQL's limit (8000 bytes).
const maxPayload = 7900

// payloadHeader begins every count notification, before the sender's tag: a
// replica knows its own changes (it applied them on commit) and which format it
// reads.
const payloadHeader = "v2 "

// sendInterval is the least time between two sends of one replica. Sending as
// soon as a change was queued made one NOTIFY per 1.7 bookings at 1,000
// bookings/s, and the notifications about a fifth of the database's CPU; waiting
// delays a count change in the other replicas' caches by up to this much, where
// bookings are unaffected (they read the database).
const sendInterval = 10 * time.Millisecond

// notificationsSessionName names the broadcaster's connections in
// pg_stat_activity (before the operator's name, sessionName): the replica's name
// (replicaName), so that the others wait for them too when it dies, and a suffix
// that tells them apart from the pool's.
func notificationsSessionName(tag string) string {
	return replicaName(tag) + notificationsSuffix
}

const notificationsSuffix = " notifications"

// newBroadcaster returns the broadcaster of the replica whose tag is tag, which
// connects with config (its application_name set by the caller,
// notificationsSessionName).
func newBroadcaster(config *pgx.ConnConfig, channels pgChannels, tag string) *broadcaster {
	if config != nil {
		// A notification is a hint, not a record: its commit does not wait for the
		// disk (which the bookings keep busy), so its lock on the notification queue
		// is held for microseconds and the other replicas hear of the changes
		// without that wait.
		config.RuntimeParams["synchronous_commit"] = "off"
	}
	return &broadcaster{config: config, channels: channels, tag: tag, changes: map[string]slotChange{}, kick: make(chan struct{}, 1)}
}

// add queues committed changes, and a wake-up of the notifiers when outbox is set.
func (b *broadcaster) add(changes []slotChange, outbox bool) {
	if len(changes) == 0 && !outbox {
		return
	}
	b.mu.Lock()
	for _, c := range changes {
		if old, ok := b.changes[string(c.key)]; !ok || old.version < c.version {
			b.changes[string(c.key)] = c
		}
	}
	b.outbox = b.outbox || outbox
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// lost notes that a count change that may have committed will never be queued.
func (b *broadcaster) lost() {
	b.mu.Lock()
	b.unsent = true
	b.mu.Unlock()
}

// run sends what is queued until ctx ends, then what is left (for a second at
// most), and leaves its connection to finish.
func (b *broadcaster) run(ctx context.Context) {
	if err := b.connect(ctx); err != nil && ctx.Err() == nil {
		slog.Warn("replica notifications: cannot connect yet; again at the first change", "err", err)
	}
	var last time.Time
	for {
		select {
		case <-b.kick:
			// What commits in the rest of the interval goes with this send.
			select {
			case <-time.After(time.Until(last.Add(sendInterval))):
			case <-ctx.Done():
				continue // to the final send
			}
			last = time.Now()
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			if err := b.send(final); err != nil {
				slog.Warn("replica notifications: not sent at close; again once the pool is closed", "err", err)
			}
			return
		}
		for attempt := 0; ; attempt++ {
			err := b.send(ctx)
			if err == nil || ctx.Err() != nil {
				break
			}
			slog.Warn("replica notifications: send failed; again shortly", "err", err, "attempt", attempt+1)
			select {
			case <-ctx.Done():
			case <-time.After(min(100*time.Millisecond<<min(attempt, 6), 5*time.Second)):
			}
		}
	}
}

// finish ends the broadcaster once run has returned and its replica's pool is
// closed, when no change can be queued any more: it sends what was queued since
// run's last send (commits that ended while the replica closed, or a send that
// failed) and then, when closed (the replica's name, replicaName) is set, records
// that the replica closed cleanly (replica_closes): every count change it
// committed was sent, and the others need not read them again
// (pgdeadreplicas.go). The record goes on this connection, one of the sessions the
// others wait for, after the sends' commits. Nothing is recorded when a send
// failed or a change went unqueued (lost): the others then read the counts. finish
// takes a second at most.
func (b *broadcaster) finish(closed string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := b.send(ctx)
	b.mu.Lock()
	unsent := b.unsent
	b.mu.Unlock()
	switch {
	case err != nil:
		slog.Warn("replica notifications: not sent at close; the other replicas will read the counts", "err", err)
	case closed == "":
	case unsent:
		slog.Info("replica notifications: a count change of unknown outcome was never read; the other replicas will read the counts")
	default:
		if err = b.connect(ctx); err == nil {
			_, err = b.conn.Exec(ctx, recordCleanClose, closed)
		}
		if err != nil {
			slog.Warn("replica notifications: clean close not recorded; the other replicas will read the counts", "err", err)
		}
	}
	if b.conn != nil {
		_ = b.conn.Close(ctx) // closing a connection we drop
		b.conn = nil
	}
}

// recordCleanClose records that replica $1 closed cleanly, and forgets the closes
// older than an hour: the other replicas look for one within cacheTTL of a death.
const recordCleanClose = `WITH old AS (DELETE FROM replica_closes WHERE closed_at < now() - interval '1 hour')
	INSERT INTO replica_closes (replica) VALUES ($1) ON CONFLICT (replica) DO NOTHING`

// send notifies everything queued, in one round trip; what it could not send is
// queued again.
func (b *broadcaster) send(ctx context.Context) error {
	b.mu.Lock()
	changes, outbox := b.changes, b.outbox
	b.changes, b.outbox = map[string]slotChange{}, false
	b.mu.Unlock()
	if len(changes) == 0 && !outbox {
		return nil
	}
	// One statement, its own transaction: the notifications go out at its commit.
	payloads := b.payloads(changes)
	channels := make([]string, len(payloads), len(payloads)+1)
	for i := range payloads {
		channels[i] = b.channels.slots
	}
	if outbox {
		channels, payloads = append(channels, b.channels.outbox), append(payloads, "")
	}
	err := b.connect(ctx)
	if err == nil {
		if _, err = b.conn.Exec(ctx, `SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS n (c, p)`, channels, payloads); err != nil {
			_ = b.conn.Close(ctx) // a failed send leaves the connection in no known state
			b.conn = nil
		}
	}
	if err != nil {
		list := make([]slotChange, 0, len(changes))
		for _, c := range changes {
			list = append(list, c)
		}
		b.add(list, outbox)
		return err
	}
	return nil
}

// connect opens the broadcaster's connection unless it is open.
func (b *broadcaster) connect(ctx context.Context) error {
	if b.conn != nil {
		return nil
	}
	conn, err := pgx.ConnectConfig(ctx, b.config)
	if err != nil {
		return err
	}
	b.conn = conn
	return nil
}

// payloads writes changes as count notifications: the header and tag, then one
// line per slot (hex key, count, version), each under maxPayload.
func (b *broadcaster) payloads(changes map[string]slotChange) []string {
	if len(changes) == 0 {
		return nil
	}
	var (
		out []string
		sb  strings.Builder
	)
	start := func() { sb.Reset(); sb.WriteString(payloadHeader + b.tag) }
	start()
	for _, c := range changes {
		line := fmt.Sprintf("\n%x %d %d", c.key, c.booked, c.version)
		if sb.Len()+len(line) > maxPayload {
			out = append(out, sb.String())
			start()
		}
		sb.WriteString(line)
	}
	return append(out, sb.String())
}
