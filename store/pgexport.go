package store

import (
	"context"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// ExportFeed is Store.ExportFeed on PostgreSQL: every shard from one REPEATABLE READ
// snapshot, so the shards agree with each other, and rows are streamed, never held.
// An attempt that fails once output has begun is not retried: its shards are
// already partly written. The snapshot lifts the idle in transaction timeout
// (pgsession.go): a dropbox or an HTTP client slower than the database leaves it
// idle while the last rows read are written out, and it holds no row lock.
func (p *Postgres) ExportFeed(ctx context.Context, kind feeds.ExportKind, opts feeds.ExportOptions, open func(shard, total int) (io.Writer, error)) (feeds.ExportInfo, error) {
	var (
		info    feeds.ExportInfo
		started bool
	)
	opened := func(shard, total int) (io.Writer, error) {
		started = true
		return open(shard, total)
	}
	err := p.read(ctx, func(t *pgTxn) error {
		if _, err := t.exec(unlimitedIdleInTransaction); err != nil {
			return err
		}
		var err error
		info, err = feeds.Export(kind, pgExportInventory{t}, opts, opened)
		if err != nil && started {
			return fmt.Errorf("feed export failed after its output began: %v", err)
		}
		return err
	})
	return info, err
}

// pgExportInventory is feeds.Inventory over a read transaction.
type pgExportInventory struct{ t *pgTxn }

func (e pgExportInventory) Merchants(fn func(*acv3.Merchant) error) error {
	return streamRecords(e.t, func() *acv3.Merchant { return &acv3.Merchant{} }, fn,
		`SELECT record FROM merchants ORDER BY merchant_id`)
}

func (e pgExportInventory) Services(fn func(*acv3.Service) error) error {
	return streamRecords(e.t, func() *acv3.Service { return &acv3.Service{} }, fn,
		`SELECT record FROM services ORDER BY merchant_id, service_id`)
}

// Slots sets each slot's spots_open to booking.Slot.Open (never below 0), from the
// same counts lookups read.
func (e pgExportInventory) Slots(fn func(*acv3.Availability) error) error {
	var (
		key, raw []byte
		n        int64
	)
	return e.t.query(statement{}, `SELECT s.slot_key, s.record, coalesce(b.booked, 0)
		FROM slots s LEFT JOIN slot_booked b ON b.slot_key = s.slot_key ORDER BY s.slot_key`,
		nil, []any{&key, &raw, &n}, func() error {
			rec := &bsv1.SlotRecord{}
			if err := unmarshal(raw, rec); err != nil {
				return fmt.Errorf("slot %x: %w", key, err)
			}
			a := rec.GetAvailability()
			a.SpotsOpen = max(booking.Slot{Availability: a, Booked: n}.Open(), 0)
			return fn(a)
		})
}

// streamRecords decodes each row's record into a fresh message and calls fn, row by
// row, while the rows are read (records collects them first, for callers that query
// again inside fn).
func streamRecords[M proto.Message](t *pgTxn, fresh func() M, fn func(M) error, sql string, args ...any) error {
	var raw []byte
	return t.query(statement{}, sql, args, []any{&raw}, func() error {
		m := fresh()
		if err := unmarshal(raw, m); err != nil {
			return fmt.Errorf("%T: %w", m, err)
		}
		return fn(m)
	})
}
