package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The tenant package's stores on PostgreSQL (as tenant.go on bbolt). Each call is
// one statement or one short transaction.

// write runs fn in a READ COMMITTED transaction (single-row writes keyed by
// primary key), retried as Update is.
func (p *Postgres) write(ctx context.Context, fn func(*pgTxn) error) error {
	return p.run(ctx, pgx.TxOptions{}, fn)
}

// read runs fn in a read-only snapshot.
func (p *Postgres) read(ctx context.Context, fn func(*pgTxn) error) error {
	return p.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// PutMerchantKey implements tenant.KeyStore.
func (p *Postgres) PutMerchantKey(ctx context.Context, rec *bsv1.MerchantKeyRecord) error {
	return p.write(ctx, func(t *pgTxn) error {
		err := t.putRecord(rec, `INSERT INTO merchant_keys (hash, merchant_id, key_id, created_unix, record) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (hash) DO UPDATE SET record = excluded.record`,
			rec.GetHash(), rec.GetMerchantId(), rec.GetKeyId(), rec.GetCreatedUnix())
		if err != nil {
			return fmt.Errorf("merchant key %s: %w", rec.GetKeyId(), err)
		}
		return nil
	})
}

// MerchantKeyByHash implements tenant.KeyStore.
func (p *Postgres) MerchantKeyByHash(ctx context.Context, hash []byte) (*bsv1.MerchantKeyRecord, error) {
	rec := &bsv1.MerchantKeyRecord{}
	err := p.read(ctx, func(t *pgTxn) error {
		return t.getRecord(rec, `SELECT record FROM merchant_keys WHERE hash = $1`, hash)
	})
	return rec, err
}

// MerchantKeys implements tenant.KeyStore.
func (p *Postgres) MerchantKeys(ctx context.Context, merchantID string) ([]*bsv1.MerchantKeyRecord, error) {
	var out []*bsv1.MerchantKeyRecord
	err := p.read(ctx, func(t *pgTxn) error {
		out = nil
		return records(t, func() *bsv1.MerchantKeyRecord { return &bsv1.MerchantKeyRecord{} },
			func(r *bsv1.MerchantKeyRecord) bool { out = append(out, r); return true },
			`SELECT record FROM merchant_keys WHERE merchant_id = $1 ORDER BY created_unix, key_id`, merchantID)
	})
	return out, err
}

// DeleteMerchantKey implements tenant.KeyStore.
func (p *Postgres) DeleteMerchantKey(ctx context.Context, merchantID, keyID string) error {
	return p.write(ctx, func(t *pgTxn) error {
		n, err := t.exec(`DELETE FROM merchant_keys WHERE merchant_id = $1 AND key_id = $2`, merchantID, keyID)
		if err == nil && n == 0 {
			err = fmt.Errorf("key %q of merchant %q: %w", keyID, merchantID, booking.ErrNotFound)
		}
		return err
	})
}

// TouchMerchantKey implements tenant.KeyStore.
func (p *Postgres) TouchMerchantKey(ctx context.Context, hash []byte, atUnix int64) error {
	return p.write(ctx, func(t *pgTxn) error {
		rec := &bsv1.MerchantKeyRecord{}
		if err := t.getRecord(rec, `SELECT record FROM merchant_keys WHERE hash = $1 FOR UPDATE`, hash); err != nil {
			return err
		}
		rec.LastUsedUnix = atUnix
		return t.putRecord(rec, `UPDATE merchant_keys SET record = $2 WHERE hash = $1`, hash)
	})
}

// PutStaff implements tenant.StaffStore.
func (p *Postgres) PutStaff(ctx context.Context, rec *bsv1.StaffAccountRecord) error {
	return p.write(ctx, func(t *pgTxn) error {
		return t.putRecord(rec, `INSERT INTO staff (email, record) VALUES ($1, $2)
			ON CONFLICT (email) DO UPDATE SET record = excluded.record`, rec.GetEmail())
	})
}

// Staff implements tenant.StaffStore.
func (p *Postgres) Staff(ctx context.Context, email string) (*bsv1.StaffAccountRecord, error) {
	rec := &bsv1.StaffAccountRecord{}
	err := p.read(ctx, func(t *pgTxn) error { return t.getRecord(rec, `SELECT record FROM staff WHERE email = $1`, email) })
	return rec, err
}

// PutSession implements tenant.SessionStore.
func (p *Postgres) PutSession(ctx context.Context, id []byte, rec *bsv1.SessionRecord) error {
	return p.write(ctx, func(t *pgTxn) error {
		return t.putRecord(rec, `INSERT INTO sessions (id, expires_unix, record) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET expires_unix = excluded.expires_unix, record = excluded.record`, id, rec.GetExpiresUnix())
	})
}

// Session implements tenant.SessionStore.
func (p *Postgres) Session(ctx context.Context, id []byte) (*bsv1.SessionRecord, error) {
	rec := &bsv1.SessionRecord{}
	err := p.read(ctx, func(t *pgTxn) error { return t.getRecord(rec, `SELECT record FROM sessions WHERE id = $1`, id) })
	return rec, err
}

// DeleteSession implements tenant.SessionStore.
func (p *Postgres) DeleteSession(ctx context.Context, id []byte) error {
	_, err := p.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// DeleteExpiredSessions implements tenant.SessionStore.
func (p *Postgres) DeleteExpiredSessions(ctx context.Context, nowUnix int64) (int, error) {
	tag, err := p.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_unix <= $1`, nowUnix)
	return int(tag.RowsAffected()), err
}

// MerchantSettings implements tenant.SettingsStore; a merchant without settings has
// the zero record.
func (p *Postgres) MerchantSettings(ctx context.Context, merchantID string) (*bsv1.MerchantSettingsRecord, error) {
	rec := &bsv1.MerchantSettingsRecord{}
	err := p.read(ctx, func(t *pgTxn) error {
		return t.getRecord(rec, `SELECT record FROM merchant_settings WHERE merchant_id = $1`, merchantID)
	})
	if errors.Is(err, booking.ErrNotFound) {
		return &bsv1.MerchantSettingsRecord{}, nil
	}
	return rec, err
}

// PutMerchantSettings implements tenant.SettingsStore.
func (p *Postgres) PutMerchantSettings(ctx context.Context, merchantID string, rec *bsv1.MerchantSettingsRecord) error {
	return p.write(ctx, func(t *pgTxn) error {
		return t.putRecord(rec, `INSERT INTO merchant_settings (merchant_id, record) VALUES ($1, $2)
			ON CONFLICT (merchant_id) DO UPDATE SET record = excluded.record`, merchantID)
	})
}
