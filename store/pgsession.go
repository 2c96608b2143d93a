package store

import (
	"fmt"
	"strings"
	"time"
)

// Session settings of every connection of the store (the pool, the LISTEN
// connection that holds the lease-owner lock, the broadcaster's): a client that
// stopped answering must not hold the database's locks for long.
//
// idleInTransaction ends a session that sits idle inside a transaction: a client
// whose COMMIT was lost on the way, or whose process froze (stopped, its machine
// paused), holds the slot's advisory lock and its rows' locks until then, and every
// booking of that slot, and the settle of a transaction of unknown outcome
// (pgsettle.go), waits behind it. None of our transactions is idle that long
// between two statements: a reservation sends its statements in two round trips
// (pgreserve.go), an Update's fn and the outbox's reads do only in-memory work
// between statements, and a COPY is one statement however slowly its rows come.
// The three that are idle as long as their work lasts set it off for their own
// transaction (SET LOCAL, unlimitedIdleInTransaction): a feed load's read snapshots,
// which decode the whole feed (up to 512 MiB) between statements and hold no row
// lock; a feed export's snapshot, idle while the rows the database already sent
// (as many as the sockets' buffers hold) are written to a dropbox or an HTTP client
// slower than it, which a slow dropbox took past the timeout (pgexport.go); and the
// transaction that holds a replica lock row (pglock.go) for a whole migration or
// feed load.
//
// The TCP settings end the sessions of a peer that vanished without closing its
// connections (its machine lost power, a network partition): PostgreSQL's sockets
// use the kernel's keepalive defaults otherwise (on Linux, 2 hours idle, then 9
// probes 75 s apart), and until the session ends the replica's lease-owner lock
// (pglease.go) keeps its records from the others, and its open transaction its
// locks. Keepalive probes are sent only while nothing sent is unacknowledged, and a
// LISTEN session receives every replica's notifications: tcp_user_timeout (Linux)
// bounds that case, data unacknowledged for a minute. Either way the session ends
// about a minute after its peer went silent. PostgreSQL ignores the TCP settings on
// Unix-socket sessions (SHOW answers 0 there).
const (
	idleInTransaction  = time.Minute
	tcpKeepalivesIdle  = 30 * time.Second
	tcpKeepalivesEvery = 10 * time.Second
	tcpKeepalivesCount = 3
	tcpUserTimeout     = time.Minute
)

// unlimitedIdleInTransaction lifts idleInTransaction for the rest of the
// transaction it runs in.
const unlimitedIdleInTransaction = `SET LOCAL idle_in_transaction_session_timeout = 0`

// sessionDefaults adds the store's session settings to params, a connection's
// run-time parameters (pgconn.Config.RuntimeParams), with idle as the idle in
// transaction timeout. They go first in the startup packet's "options", which the
// server applies before the rest of it: a value the database URL gives — as a
// parameter of its own (…&tcp_keepalives_idle=5) or in options (options=-c
// tcp_keepalives_idle=5, or PGOPTIONS), where pgx puts them — is applied after ours
// and wins.
func sessionDefaults(params map[string]string, idle time.Duration) {
	ours := []string{
		fmt.Sprintf("-c idle_in_transaction_session_timeout=%d", idle.Milliseconds()),
		fmt.Sprintf("-c tcp_keepalives_idle=%d", int(tcpKeepalivesIdle.Seconds())),
		fmt.Sprintf("-c tcp_keepalives_interval=%d", int(tcpKeepalivesEvery.Seconds())),
		fmt.Sprintf("-c tcp_keepalives_count=%d", tcpKeepalivesCount),
		fmt.Sprintf("-c tcp_user_timeout=%d", tcpUserTimeout.Milliseconds()),
	}
	if given := params["options"]; given != "" {
		ours = append(ours, given)
	}
	params["options"] = strings.Join(ours, " ")
}

// maxSessionName is the longest application_name PostgreSQL keeps (NAMEDATALEN-1
// bytes); it cuts a longer one.
const maxSessionName = 63

// sessionName is the application_name of a session of the replica: base (the
// replica's name, replicaName, or its broadcaster's, notificationsSessionName),
// then the operator's own name, given, in brackets — as the database URL
// (application_name=…) or PGAPPNAME gives it, where pgx puts it
// (RuntimeParams) — so that pg_stat_activity shows both:
// "bookingserver replica 0123456789abcdef (shop-eu)". The base comes first and
// whole: the other replicas' death watch knows a replica by the name its sessions'
// names begin with (pgdeadreplicas.go). The operator's name is cut to fit
// maxSessionName (22 bytes of it after a pool session's base, 8 after a
// broadcaster's), and a character outside printable ASCII becomes '?', as
// PostgreSQL before 16 shows it (16 shows \xHH escapes, and cuts after them): the
// name the server shows is the one set here.
func sessionName(base, given string) string {
	room := maxSessionName - len(base) - len(" ()")
	if given == "" || room <= 0 {
		return base
	}
	shown := make([]byte, 0, room)
	for _, r := range given {
		if len(shown) == room {
			break
		}
		if r < ' ' || r > '~' {
			r = '?'
		}
		shown = append(shown, byte(r))
	}
	return base + " (" + string(shown) + ")"
}
