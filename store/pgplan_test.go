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

// TestSlotReadsUseTheKeys: a booking's slot reads (the rows' lock, the slots with their
// counts, a cache fill's service) read through the keys' indexes whatever the
// tables hold and whichever plan PostgreSQL caches for the prepared statement. A
// LEFT JOIN of slot_booked was hashed whole for every booking, and "($2 IS NULL
// OR key < $2)" let a generic plan scan every slot.
func TestSlotReadsUseTheKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	p, err := OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	conn, err := pgx.Connect(ctx, url) // of its own: its plan settings change
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// 20,000 slots in 20 services, a fifth of them booked, with statistics.
	_, err = p.pool.Exec(ctx, `INSERT INTO slots (slot_key, record)
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
	for i, q := range []struct {
		name string
		sql  string
		args []any
	}{
		{"row lock", rowLock.sql, rowLock.args},
		{"slots with counts", read, readArgs},
		{"cache fill", fill, fillArgs},
	} {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			t.Run(q.name+" "+mode, func(t *testing.T) {
				if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("plan_%d_%s", i, mode)
				if _, err := conn.Prepare(ctx, name, q.sql); err != nil {
					t.Fatal(err)
				}
				params := make([]string, len(q.args))
				for i, a := range q.args {
					params[i] = fmt.Sprintf(`'\x%x'::bytea`, a)
				}
				rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+name+"("+strings.Join(params, ", ")+")")
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
				if strings.Contains(plan.String(), "Seq Scan") {
					t.Errorf("%s scans a table:\n%s", q.sql, plan.String())
				}
			})
		}
	}
}
