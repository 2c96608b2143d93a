package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/feeds"
	"github.com/bookingserver/bookingserver/store/internal/pgtest"
)

// planTestStore opens a store on a fresh schema and a connection of the test's
// own to it (its plan settings change), both closed when the test ends.
func planTestStore(t *testing.T) (*Postgres, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.URL(t)
	p, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return p, conn
}

// TestSlotReadsUseTheKeys: a booking's slot reads (the rows' lock, the slots with their
// counts, a cache fill's service) read through the keys' indexes whatever the
// tables hold and whichever plan PostgreSQL caches for the prepared statement. A
// LEFT JOIN of slot_booked was hashed whole for every booking, and "($2 IS NULL
// OR key < $2)" let a generic plan scan every slot.
func TestSlotReadsUseTheKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, conn := planTestStore(t)
	// 20,000 slots in 20 services, a fifth of them booked, with statistics.
	_, err := p.pool.Exec(ctx, `INSERT INTO slots (slot_key, record)
			SELECT convert_to('m1', 'UTF8') || '\x00'::bytea || convert_to('s' || (i % 20), 'UTF8') || '\x00'::bytea || int8send(1900000000 + i * 1800), ''::bytea
			FROM generate_series(1, 20000) i;
		INSERT INTO slot_booked (slot_key, booked) SELECT slot_key, 1 FROM slots WHERE get_byte(slot_key, length(slot_key) - 1) % 5 = 0;
		ANALYZE slots; ANALYZE slot_booked`)
	if err != nil {
		t.Fatal(err)
	}
	one := []byte(feeds.NewSlotKey("m1", "s7", 1900000000+7*1800, 1800, "", "", 0))[:len("m1\x00s7\x00")+8]
	service := feeds.ServicePrefix("m1", "s7")
	fill, fillArgs := slotsSelect(service, prefixEnd(service), `, coalesce((SELECT b.version FROM slot_booked b WHERE b.slot_key = s.slot_key), 0)`)
	read, readArgs := slotsSelect(one, prefixEnd(one), "")
	rowLock, err := (&pgTxn{advisoryLocks: false}).slotsLock(one, prefixEnd(one)) // serializable-only mode's
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"row lock", rowLock.sql, rowLock.args},
		{"slots with counts", read, readArgs},
		{"cache fill", fill, fillArgs},
	} {
		eachPlan(t, conn, q.name, q.sql, q.args, func(t *testing.T, plan string) {
			if strings.Contains(plan, "Seq Scan") {
				t.Errorf("%s scans a table:\n%s", q.sql, plan)
			}
		})
	}
}

// TestUserHoldsSlotReadsTheUserIndex: whether a user holds a slot (read ahead for
// the slots of a start and duration, or for one key) is read through
// bookings_by_user, whatever the table holds and whichever plan is cached: of
// 100,000 bookings, the user's 1,000 rows are filtered, never the table's.
func TestUserHoldsSlotReadsTheUserIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, conn := planTestStore(t)
	_, err := p.pool.Exec(ctx, `INSERT INTO bookings (booking_id, user_id, created_unix, payment_pending, refund_due, slot_key, holds_spot, record)
			SELECT 'bk-' || i, CASE WHEN i % 100 = 0 THEN 'regular' ELSE 'u' || (i % 1999) END, 1700000000 + i, false, false,
				convert_to('m1', 'UTF8') || '\x00'::bytea || convert_to('s' || (i % 20), 'UTF8') || '\x00'::bytea ||
				int8send(1900000000 + i::bigint * 1800) || int8send(1800) || '\x000000000000'::bytea,
				i % 5 <> 0, ''::bytea
			FROM generate_series(1, 100000) i;
		ANALYZE bookings`)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte(feeds.NewSlotKey("m1", "s0", 1900000000+500*1800, 1800, "", "", 0))
	ahead := slotScanPrefix("m1", "s0", 1900000000+500*1800, 1800)
	aheadRead, aheadArgs := userHoldsSlots("regular", ahead, prefixEnd(ahead))
	keyRead, keyArgs := userHoldsSlots("regular", key, append(key, 0))
	for _, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"read ahead", aheadRead, aheadArgs},
		{"one key", keyRead, keyArgs},
	} {
		eachPlan(t, conn, q.name, q.sql, q.args, func(t *testing.T, plan string) {
			if strings.Contains(plan, "Seq Scan") || !strings.Contains(plan, "bookings_by_user") {
				t.Errorf("%s does not read through bookings_by_user:\n%s", q.sql, plan)
			}
		})
	}
}

// eachPlan runs check, as a subtest, with the plan PostgreSQL makes on conn for sql
// prepared and executed with args (text or bytea), as a custom plan and as the
// generic plan a prepared statement may cache.
func eachPlan(t *testing.T, conn *pgx.Conn, name, sql string, args []any, check func(t *testing.T, plan string)) {
	t.Helper()
	ctx := context.Background()
	params := make([]string, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case []byte:
			params[i] = fmt.Sprintf(`'\x%x'::bytea`, a)
		case string:
			params[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
		default:
			t.Fatalf("%s: argument %d is a %T", name, i, a)
		}
	}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		t.Run(name+" "+mode, func(t *testing.T) {
			if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
				t.Fatal(err)
			}
			stmt := strings.NewReplacer(" ", "_").Replace("plan " + name + " " + mode)
			if _, err := conn.Prepare(ctx, stmt, sql); err != nil {
				t.Fatal(err)
			}
			rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+stmt+"("+strings.Join(params, ", ")+")")
			if err != nil {
				t.Fatal(err)
			}
			var plan strings.Builder
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan.WriteString(line + "\n")
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			check(t, plan.String())
		})
	}
}
