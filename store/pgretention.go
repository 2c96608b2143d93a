package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// eraseBatch is how many bookings one transaction of EraseCustomerData erases, so a
// first sweep over a long history never holds one huge transaction.
const eraseBatch = 500

// PurgeWebhookEvents is Store.PurgeWebhookEvents.
func (p *Postgres) PurgeWebhookEvents(before time.Time) (int, error) {
	tag, err := p.pool.Exec(context.Background(), `DELETE FROM webhook_events WHERE applied_unix < $1`, before.Unix())
	return int(tag.RowsAffected()), err
}

// EraseCustomerData is Store.EraseCustomerData. The bookings not yet erased are
// found through the partial index bookings_to_erase, which erased ones leave, so a
// sweep reads only the bookings that started since the last one (and the few whose
// slot had not ended then).
func (p *Postgres) EraseCustomerData(endedBefore time.Time) (int, error) {
	ctx, cutoff := context.Background(), endedBefore.Unix()
	erased := 0
	afterStart, afterID := int64(-1<<63), ""
	for {
		var page []*bsv1.BookingRecord
		n := 0
		err := p.run(ctx, pgx.TxOptions{}, func(t *pgTxn) error {
			page, n = nil, 0
			err := records(t, newBookingRecord, func(r *bsv1.BookingRecord) bool { page = append(page, r); return true },
				`SELECT record FROM bookings WHERE NOT customer_data_erased AND start_sec < $1
				AND (start_sec, booking_id) > ($2, $3) ORDER BY start_sec, booking_id LIMIT $4 FOR UPDATE`,
				cutoff, afterStart, afterID, eraseBatch)
			if err != nil {
				return err
			}
			for _, rec := range page {
				slot, id := rec.GetBooking().GetSlot(), rec.GetBooking().GetBookingId()
				if slot.GetStartSec()+slot.GetDurationSec() > cutoff {
					continue // not over yet: a later sweep
				}
				if eraseCustomerData(rec) {
					n++
				}
				if err := t.putRecord(rec, `UPDATE bookings SET customer_data_erased = true, record = $2 WHERE booking_id = $1`, id); err != nil {
					return err
				}
				if _, err := t.exec(`DELETE FROM outbox_delivered WHERE booking_id = $1`, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return erased, err
		}
		erased += n
		if len(page) < eraseBatch {
			return erased, nil
		}
		last := page[len(page)-1].GetBooking()
		afterStart, afterID = last.GetSlot().GetStartSec(), last.GetBookingId()
	}
}
