package store_test

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/internal/pgtest"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestPostgresIdleTransactionEnded: a booking's client goes silent before its last
// round trip, the one with its COMMIT, and the server never hears of it (the proxy
// drops that round trip and keeps the server's side of the connection open): the
// transaction sits idle, holding the slot's lock.
// The server ends it after the idle in transaction timeout (shortened here), and a
// booking of the slot on the other replica, waiting behind it, then books the spot;
// the settle of the cut booking ends too, and both replicas answer the slot taken.
func TestPostgresIdleTransactionEnded(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	const idle = 2 * time.Second // long enough to see the transaction idle first, under load
	proxy, p, other, direct := proxiedReplicas(t, store.IdleInTransactionTimeout(idle))
	core, otherCore := newCore(t, p), newCore(t, other)
	eventuallyAvailable(t, otherCore, "the other replica before the bookings", 1)

	cut := proxy.CutNextCommit(pgtest.SilenceAtCommit)
	if resp, err := core.Create(ctx, createOneSpot("tok-1")); err == nil {
		t.Fatalf("a booking whose COMMIT never reached the server answered %v, want an error", resp)
	}
	<-cut.Done()
	if n := schemaSessions(t, direct, `a.state = 'idle in transaction'`); n != 1 {
		t.Fatalf("%d sessions of the schema idle in transaction after the cut, want 1 (the cut booking's)", n)
	}

	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	resp, err := otherCore.Create(wctx, createOneSpot("tok-2"))
	if err != nil || resp.GetBooking().GetBookingId() == "" {
		t.Fatalf("the booking waiting behind the idle transaction: %v, %v; want the spot", resp, err)
	}
	t.Logf("the waiting booking ran after %v (idle in transaction timeout %v)", time.Since(start), idle)
	ids, booked := storedBookings(t, direct)
	if len(ids) != 1 || ids[0] != resp.GetBooking().GetBookingId() || booked != 1 {
		t.Fatalf("in the database: bookings %q, slot count %d; want %q and 1", ids, booked, resp.GetBooking().GetBookingId())
	}
	eventuallyAvailable(t, core, "the cut booking's replica (its settle)", 0)
	eventuallyAvailable(t, otherCore, "the other replica", 0)
}

// schemaSessions counts the sessions (pg_stat_activity a) for which cond holds
// and that hold a lock of the schema of url (the one the test owns: a session's
// search_path is not in pg_stat_activity).
func schemaSessions(t *testing.T, url, cond string) int {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(DISTINCT a.pid) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
		JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND `+cond, cfg.RuntimeParams["search_path"]).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPostgresSessionSettings: the store's sessions, over TCP, carry its idle in
// transaction timeout and its TCP keepalive settings; a value the database URL
// gives, as a parameter or in options, wins over the store's. The pool's sessions
// answer SHOW; the LISTEN connection's and the broadcaster's, which run no query
// of the test's, are checked at their sockets: the keepalive timer of the server's
// end fires within tcp_keepalives_idle (30 s), not the kernel's 2 hours.
func TestPostgresSessionSettings(t *testing.T) {
	t.Parallel()
	base := pgtest.TCPURL(t, storetest.PostgresURL(t))
	want := map[string]string{
		"idle_in_transaction_session_timeout": "1min",
		"tcp_keepalives_idle":                 "30",
		"tcp_keepalives_interval":             "10",
		"tcp_keepalives_count":                "3",
		"tcp_user_timeout":                    "60000",
	}
	p := storetest.OpenPostgres(t, base)
	storetest.LoadFixture(t, p)
	for name, value := range want {
		if got := show(t, p, name); got != value {
			t.Errorf("a pool session's %s is %q, want %q", name, got, value)
		}
	}
	listenPID, sendPID := storeSessions(t, p)
	for what, pid := range map[string]int{"the pool's": poolPID(t, p), "the LISTEN connection's": listenPID, "the broadcaster's": sendPID} {
		if after := keepaliveDue(t, p, pid); after > 30*time.Second {
			t.Errorf("%s session (pid %d): keepalive due in %v, want at most 30s", what, pid, after)
		}
	}

	for name, u := range map[string]string{
		"parameter": base + "&tcp_keepalives_idle=7&idle_in_transaction_session_timeout=5000",
		"options":   base + "&options=" + strings.NewReplacer(" ", "%20", "=", "%3D").Replace("-c tcp_keepalives_idle=7 -c idle_in_transaction_session_timeout=5000"),
	} {
		t.Run("operator's "+name, func(t *testing.T) {
			p := storetest.OpenPostgres(t, u)
			if got := show(t, p, "tcp_keepalives_idle"); got != "7" {
				t.Errorf("tcp_keepalives_idle is %q, want the URL's 7", got)
			}
			if got := show(t, p, "idle_in_transaction_session_timeout"); got != "5s" {
				t.Errorf("idle_in_transaction_session_timeout is %q, want the URL's 5s", got)
			}
			if got := show(t, p, "tcp_keepalives_count"); got != "3" {
				t.Errorf("tcp_keepalives_count is %q, want the store's 3 (the URL names only others)", got)
			}
		})
	}
}

// TestPostgresOperatorsApplicationName: an application_name the database URL gives
// shows in pg_stat_activity in every session of the replica, the pool's and the
// broadcaster's, after the replica's name (its tag, by which the others' death
// watch knows it); a name too long for PostgreSQL's 63 bytes is cut, never the
// tag, and a character PostgreSQL would not show as it is becomes '?', so the
// names the test hooks give are the ones the server shows.
func TestPostgresOperatorsApplicationName(t *testing.T) {
	t.Parallel()
	base := pgtest.TCPURL(t, storetest.PostgresURL(t))
	named := regexp.MustCompile(`^bookingserver replica ([0-9a-f]{16}) \(`)
	for _, tc := range []struct {
		name, given, pool, notifications string
	}{
		{"short", "shop-eu", " (shop-eu)", " notifications (shop-eu)"},
		// 63 bytes: 38 of the replica's name, then 22 or 8 of the operator's.
		{"long", strings.Repeat("shop-eu-", 10), " (shop-eu-shop-eu-shop-e)", " notifications (shop-eu-)"},
		{"not ASCII", "shöp\tеu", " (sh?p??u)", " notifications (sh?p??u)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := storetest.OpenPostgres(t, base+"&application_name="+url.QueryEscape(tc.given))
			storetest.LoadFixture(t, p)
			_, sendPID := storeSessions(t, p) // the broadcaster is connected
			m := named.FindStringSubmatch(show(t, p, "application_name"))
			if m == nil {
				t.Fatalf("a pool session is named %q, want the replica's name and then the URL's", show(t, p, "application_name"))
			}
			replica := "bookingserver replica " + m[1]
			rows, _ := p.Pool().Query(t.Context(), `SELECT DISTINCT application_name FROM pg_stat_activity
				WHERE starts_with(application_name, $1) ORDER BY 1`, replica)
			names, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			want := []string{replica + tc.pool, replica + tc.notifications}
			if !slices.Equal(names, want) {
				t.Fatalf("the replica's sessions are named %q in pg_stat_activity, want %q", names, want)
			}
			var send string
			if err := p.Pool().QueryRow(t.Context(), `SELECT application_name FROM pg_stat_activity WHERE pid = $1`, sendPID).Scan(&send); err != nil {
				t.Fatal(err)
			}
			if pool, notifications := store.SessionName(p), store.NotificationsSessionName(p); pool != want[0] || notifications != want[1] || send != notifications {
				t.Fatalf("the hooks name the sessions %q and %q, and the broadcaster's is %q; want %q", pool, notifications, send, want)
			}
		})
	}
}

func show(t *testing.T, p *store.Postgres, name string) string {
	t.Helper()
	var v string
	if err := p.Pool().QueryRow(t.Context(), "SHOW "+name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func poolPID(t *testing.T, p *store.Postgres) int {
	t.Helper()
	conn, err := p.Pool().Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	return int(conn.Conn().PgConn().PID())
}

// storeSessions finds the server processes of p's LISTEN connection and of its
// broadcaster: the sessions of p's user that LISTEN on p's channels, and that run
// pg_notify as the broadcaster's application, from p's TCP port range.
func storeSessions(t *testing.T, p *store.Postgres) (listen, send int) {
	t.Helper()
	// The broadcaster connects at start; a change makes it send.
	addBooked(t, p, 1)
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := p.Pool().Query(t.Context(), `SELECT pid, query, application_name FROM pg_stat_activity
			WHERE client_addr IS NOT NULL AND pid <> pg_backend_pid()`)
		if err != nil {
			t.Fatal(err)
		}
		var (
			pid        int
			query, app string
		)
		listen, send = 0, 0
		_, err = pgx.ForEachRow(rows, []any{&pid, &query, &app}, func() error {
			switch {
			case strings.HasPrefix(query, "LISTEN"):
				listen = pid
			case app == store.NotificationsSessionName(p):
				send = pid
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if listen != 0 && send != 0 {
			return listen, send
		}
		if time.Now().After(deadline) {
			t.Fatalf("no TCP session LISTENs (%d) or sends notifications (%d)", listen, send)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keepaliveDue is when the keepalive timer of the server's socket of session pid
// fires next, read from /proc/net/tcp (Linux; the test is skipped elsewhere).
func keepaliveDue(t *testing.T, p *store.Postgres, pid int) time.Duration {
	t.Helper()
	var serverPort, clientPort int
	if err := p.Pool().QueryRow(t.Context(), `SELECT current_setting('port')::integer, client_port FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&serverPort, &clientPort); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		f, err := os.Open("/proc/net/tcp")
		if err != nil {
			t.Skipf("no /proc/net/tcp to read the keepalive timers: %v", err)
		}
		local, remote := fmt.Sprintf("0100007F:%04X", serverPort), fmt.Sprintf("0100007F:%04X", clientPort)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local rem st tx:rx tr:when …; when is in USER_HZ (100) ticks.
			fields := strings.Fields(sc.Text())
			if len(fields) < 6 || fields[1] != local || fields[2] != remote {
				continue
			}
			timer, when, _ := strings.Cut(fields[5], ":")
			ticks, err := strconv.ParseUint(when, 16, 64)
			if err != nil {
				t.Fatalf("/proc/net/tcp: timer %q: %v", fields[5], err)
			}
			if timer == "02" { // the keepalive timer (01 is a retransmission under way)
				f.Close()
				return time.Duration(ticks) * 10 * time.Millisecond
			}
		}
		f.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no keepalive timer on the server's socket of session %d (port %d, client port %d) in /proc/net/tcp", pid, serverPort, clientPort)
	return 0
}
