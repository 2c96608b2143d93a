package store

import (
	"context"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// PutPublication is Store.PutPublication on PostgreSQL.
func (p *Postgres) PutPublication(ctx context.Context, rec *bsv1.PublicationRecord) error {
	return p.write(ctx, func(t *pgTxn) error {
		if err := t.putRecord(rec, `INSERT INTO publications (started_unix_nano, record) VALUES ($1, $2)
			ON CONFLICT (started_unix_nano) DO UPDATE SET record = excluded.record`, rec.GetStartedUnixNano()); err != nil {
			return err
		}
		_, err := t.exec(`DELETE FROM publications WHERE started_unix_nano NOT IN
			(SELECT started_unix_nano FROM publications ORDER BY started_unix_nano DESC LIMIT $1)`, publicationsKept)
		return err
	})
}

// Publications is Store.Publications on PostgreSQL.
func (p *Postgres) Publications(ctx context.Context, limit int) ([]*bsv1.PublicationRecord, error) {
	var out []*bsv1.PublicationRecord
	err := p.View(ctx, func(tx booking.ReadTx) error {
		return records(tx.(*pgTxn), func() *bsv1.PublicationRecord { return &bsv1.PublicationRecord{} },
			func(r *bsv1.PublicationRecord) bool { out = append(out, r); return true },
			`SELECT record FROM publications ORDER BY started_unix_nano DESC LIMIT $1`, limit)
	})
	return out, err
}
