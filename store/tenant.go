package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The tenant package's stores (tenant.KeyStore, StaffStore, SessionStore,
// SettingsStore) over bbolt. These are small, rare writes: plain db.Update, no group
// commit.

// keyIndexKey orders a merchant's keys by creation: merchant_id 0x00 created(8) key_id.
func keyIndexKey(rec *bsv1.MerchantKeyRecord) []byte {
	k := binary.BigEndian.AppendUint64(append([]byte(rec.GetMerchantId()), 0), uint64(rec.GetCreatedUnix()))
	return append(k, rec.GetKeyId()...)
}

// PutMerchantKey implements tenant.KeyStore.
func (s *Store) PutMerchantKey(_ context.Context, rec *bsv1.MerchantKeyRecord) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := putRecord(tx.Bucket(bucketMerchantKeys), rec.GetHash(), rec); err != nil {
			return fmt.Errorf("merchant key %s: %w", rec.GetKeyId(), err)
		}
		return tx.Bucket(bucketMerchantKeyIDs).Put(keyIndexKey(rec), rec.GetHash())
	})
}

// MerchantKeyByHash implements tenant.KeyStore.
func (s *Store) MerchantKeyByHash(_ context.Context, hash []byte) (*bsv1.MerchantKeyRecord, error) {
	rec := &bsv1.MerchantKeyRecord{}
	err := s.db.View(func(tx *bolt.Tx) error { return getRecord(tx.Bucket(bucketMerchantKeys), hash, rec) })
	return rec, err
}

// MerchantKeys implements tenant.KeyStore.
func (s *Store) MerchantKeys(_ context.Context, merchantID string) ([]*bsv1.MerchantKeyRecord, error) {
	var out []*bsv1.MerchantKeyRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := append([]byte(merchantID), 0)
		keys := tx.Bucket(bucketMerchantKeys)
		c := tx.Bucket(bucketMerchantKeyIDs).Cursor()
		for k, h := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, h = c.Next() {
			rec := &bsv1.MerchantKeyRecord{}
			if err := getRecord(keys, h, rec); err != nil {
				return fmt.Errorf("merchant key index %q: %w", k, err)
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

// DeleteMerchantKey implements tenant.KeyStore.
func (s *Store) DeleteMerchantKey(_ context.Context, merchantID, keyID string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		prefix := append([]byte(merchantID), 0)
		c := tx.Bucket(bucketMerchantKeyIDs).Cursor()
		for k, h := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, h = c.Next() {
			if string(k[len(prefix)+8:]) != keyID {
				continue
			}
			if err := tx.Bucket(bucketMerchantKeys).Delete(h); err != nil {
				return err
			}
			return c.Delete()
		}
		return fmt.Errorf("key %q of merchant %q: %w", keyID, merchantID, booking.ErrNotFound)
	})
}

// TouchMerchantKey implements tenant.KeyStore.
func (s *Store) TouchMerchantKey(_ context.Context, hash []byte, atUnix int64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMerchantKeys)
		rec := &bsv1.MerchantKeyRecord{}
		if err := getRecord(b, hash, rec); err != nil {
			return err
		}
		rec.LastUsedUnix = atUnix
		return putRecord(b, hash, rec)
	})
}

// PutStaff implements tenant.StaffStore.
func (s *Store) PutStaff(_ context.Context, rec *bsv1.StaffAccountRecord) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return putRecord(tx.Bucket(bucketStaff), []byte(rec.GetEmail()), rec)
	})
}

// Staff implements tenant.StaffStore.
func (s *Store) Staff(_ context.Context, email string) (*bsv1.StaffAccountRecord, error) {
	rec := &bsv1.StaffAccountRecord{}
	err := s.db.View(func(tx *bolt.Tx) error { return getRecord(tx.Bucket(bucketStaff), []byte(email), rec) })
	return rec, err
}

// PutSession implements tenant.SessionStore.
func (s *Store) PutSession(_ context.Context, id []byte, rec *bsv1.SessionRecord) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putRecord(tx.Bucket(bucketSessions), id, rec) })
}

// Session implements tenant.SessionStore.
func (s *Store) Session(_ context.Context, id []byte) (*bsv1.SessionRecord, error) {
	rec := &bsv1.SessionRecord{}
	err := s.db.View(func(tx *bolt.Tx) error { return getRecord(tx.Bucket(bucketSessions), id, rec) })
	return rec, err
}

// DeleteSession implements tenant.SessionStore.
func (s *Store) DeleteSession(_ context.Context, id []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSessions).Delete(id) })
}

// DeleteExpiredSessions implements tenant.SessionStore.
func (s *Store) DeleteExpiredSessions(_ context.Context, nowUnix int64) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		var expired [][]byte // deleting under a cursor would skip keys
		err := b.ForEach(func(k, v []byte) error {
			rec := &bsv1.SessionRecord{}
			if err := unmarshal(v, rec); err != nil {
				return fmt.Errorf("session: %w", err)
			}
			if rec.GetExpiresUnix() <= nowUnix {
				expired = append(expired, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}

// MerchantSettings implements tenant.SettingsStore; a merchant without settings has
// the zero record.
func (s *Store) MerchantSettings(_ context.Context, merchantID string) (*bsv1.MerchantSettingsRecord, error) {
	rec := &bsv1.MerchantSettingsRecord{}
	err := s.db.View(func(tx *bolt.Tx) error {
		if raw := tx.Bucket(bucketMerchantSettings).Get([]byte(merchantID)); raw != nil {
			return unmarshal(raw, rec)
		}
		return nil
	})
	return rec, err
}

// PutMerchantSettings implements tenant.SettingsStore.
func (s *Store) PutMerchantSettings(_ context.Context, merchantID string, rec *bsv1.MerchantSettingsRecord) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return putRecord(tx.Bucket(bucketMerchantSettings), []byte(merchantID), rec)
	})
}
