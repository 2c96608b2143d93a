package store

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The dashboard's reads on PostgreSQL (as dashboard.go and merchantindex.go on bbolt).

// MerchantBookings reads firstPageRows bookings with its first query (a dashboard page
// and a little more), then morePageRows per query (a search reads the whole range).
const (
	firstPageRows = 64
	morePageRows  = 512
)

// MerchantBookings is Store.MerchantBookings on PostgreSQL: pages of the index
// bookings_by_merchant_start. The cursor is start_sec(8) booking_id.
func (p *Postgres) MerchantBookings(ctx context.Context, merchantID string, fromSec, toSec int64, desc bool, cursor []byte,
	fn func(rec *bsv1.BookingRecord, cursor []byte) bool) error {
	afterStart, afterID, resume := fromSec, "", len(cursor) >= 8
	if resume {
		afterStart, afterID = int64(binary.BigEndian.Uint64(cursor)), string(cursor[8:])
	}
	order, cmpOp := "ASC", ">"
	if desc {
		order, cmpOp = "DESC", "<"
	}
	for rowsWanted := firstPageRows; ; rowsWanted = morePageRows {
		sql := `SELECT booking_id, start_sec, record FROM bookings WHERE merchant_id = $1 AND start_sec >= $2 AND start_sec < $3`
		args := []any{merchantID, fromSec, toSec}
		if resume {
			sql += ` AND (start_sec, booking_id) ` + cmpOp + ` ($4, $5)`
			args = append(args, afterStart, afterID)
		}
		sql += fmt.Sprintf(` ORDER BY start_sec %s, booking_id %s LIMIT %d`, order, order, rowsWanted)
		rows, err := p.pool.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		var (
			id    string
			start int64
			raw   []byte
			page  []*bsv1.BookingRecord
		)
		if _, err := pgx.ForEachRow(rows, []any{&id, &start, &raw}, func() error {
			rec := &bsv1.BookingRecord{}
			if err := unmarshal(raw, rec); err != nil {
				return fmt.Errorf("booking %q: %w", id, err)
			}
			page = append(page, rec)
			return nil
		}); err != nil {
			return err
		}
		for _, rec := range page {
			afterStart, afterID, resume = rec.GetBooking().GetSlot().GetStartSec(), rec.GetBooking().GetBookingId(), true
			if !fn(rec, append(binary.BigEndian.AppendUint64(nil, uint64(afterStart)), afterID...)) {
				return nil
			}
		}
		if len(page) < rowsWanted {
			return nil
		}
	}
}

// fillMerchantIndex sets merchant_id and start_sec of the bookings written before
// the columns existed (migration 0006), from their records, a batch at a time.
func fillMerchantIndex(ctx context.Context, pool *pgxpool.Pool) error {
	for {
		rows, err := pool.Query(ctx, `SELECT booking_id, record FROM bookings WHERE merchant_id IS NULL LIMIT 1000`)
		if err != nil {
			return fmt.Errorf("merchant index: %w", err)
		}
		var (
			id  string
			raw []byte
			ids []string
			mid []string
			sec []int64
		)
		if _, err := pgx.ForEachRow(rows, []any{&id, &raw}, func() error {
			rec := &bsv1.BookingRecord{}
			if err := unmarshal(raw, rec); err != nil {
				return fmt.Errorf("booking %q: %w", id, err)
			}
			ids, mid, sec = append(ids, id), append(mid, rec.GetBooking().GetSlot().GetMerchantId()), append(sec, rec.GetBooking().GetSlot().GetStartSec())
			return nil
		}); err != nil {
			return fmt.Errorf("merchant index: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := pool.Exec(ctx, `UPDATE bookings b SET merchant_id = v.merchant_id, start_sec = v.start_sec
			FROM unnest($1::text[], $2::text[], $3::bigint[]) AS v(booking_id, merchant_id, start_sec)
			WHERE b.booking_id = v.booking_id AND b.merchant_id IS NULL`, ids, mid, sec); err != nil {
			return fmt.Errorf("merchant index: %w", err)
		}
	}
}

// MerchantServices is Store.MerchantServices on PostgreSQL.
func (p *Postgres) MerchantServices(ctx context.Context, merchantID string) ([]*acv3.Service, error) {
	var out []*acv3.Service
	err := p.read(ctx, func(t *pgTxn) error {
		out = nil
		return records(t, func() *acv3.Service { return &acv3.Service{} }, func(s *acv3.Service) bool { out = append(out, s); return true },
			`SELECT record FROM services WHERE merchant_id = $1 ORDER BY service_id`, merchantID)
	})
	return out, err
}

// MerchantSlots is Store.MerchantSlots on PostgreSQL: a slot_key range per service.
func (p *Postgres) MerchantSlots(ctx context.Context, merchantID string, fromSec, toSec int64, fn func(serviceID string, slot booking.Slot) bool) error {
	return p.read(ctx, func(t *pgTxn) error {
		var services []string
		rows, err := t.tx.Query(t.ctx, `SELECT service_id FROM services WHERE merchant_id = $1 ORDER BY service_id`, merchantID)
		if err != nil {
			return t.fail(err)
		}
		if services, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return t.fail(err)
		}
		stop := false
		for _, sid := range services {
			err := t.slotRange(feeds.SlotPrefix(merchantID, sid, fromSec), feeds.SlotPrefix(merchantID, sid, toSec), func(s booking.Slot) bool {
				stop = !fn(sid, s)
				return !stop
			})
			if err != nil || stop {
				return err
			}
		}
		return nil
	})
}

// PutFeedLoad is Store.PutFeedLoad on PostgreSQL.
func (p *Postgres) PutFeedLoad(ctx context.Context, merchantID string, rec *bsv1.FeedLoadRecord) error {
	return p.write(ctx, func(t *pgTxn) error {
		if err := t.putRecord(rec, `INSERT INTO feed_loads (merchant_id, at_unix_nano, record) VALUES ($1, $2, $3)
			ON CONFLICT (merchant_id, at_unix_nano) DO UPDATE SET record = excluded.record`, merchantID, rec.GetAtUnixNano()); err != nil {
			return fmt.Errorf("feed load: %w", err)
		}
		_, err := t.exec(`DELETE FROM feed_loads WHERE merchant_id = $1 AND at_unix_nano < (
			SELECT at_unix_nano FROM feed_loads WHERE merchant_id = $1 ORDER BY at_unix_nano DESC OFFSET $2 - 1 LIMIT 1)`, merchantID, feedLoadsKept)
		return err
	})
}

// FeedLoads is Store.FeedLoads on PostgreSQL.
func (p *Postgres) FeedLoads(ctx context.Context, merchantID string) ([]*bsv1.FeedLoadRecord, error) {
	var out []*bsv1.FeedLoadRecord
	err := p.read(ctx, func(t *pgTxn) error {
		out = nil
		return records(t, func() *bsv1.FeedLoadRecord { return &bsv1.FeedLoadRecord{} }, func(r *bsv1.FeedLoadRecord) bool { out = append(out, r); return true },
			`SELECT record FROM feed_loads WHERE merchant_id = $1 ORDER BY at_unix_nano DESC`, merchantID)
	})
	return out, err
}
