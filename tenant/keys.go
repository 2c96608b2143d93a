package tenant

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// KeyStore persists merchant keys. Records carry the key's hash, never the key.
type KeyStore interface {
	// PutMerchantKey stores a new key record, findable by its hash and listed under its
	// merchant.
	PutMerchantKey(ctx context.Context, rec *bsv1.MerchantKeyRecord) error
	// MerchantKeyByHash returns the record whose hash is hash, or booking.ErrNotFound.
	MerchantKeyByHash(ctx context.Context, hash []byte) (*bsv1.MerchantKeyRecord, error)
	// MerchantKeys returns a merchant's keys, oldest first.
	MerchantKeys(ctx context.Context, merchantID string) ([]*bsv1.MerchantKeyRecord, error)
	// DeleteMerchantKey removes a merchant's key; booking.ErrNotFound when the merchant
	// has no key with that id.
	DeleteMerchantKey(ctx context.Context, merchantID, keyID string) error
	// TouchMerchantKey sets the last-used time of the key with that hash; a key deleted
	// meanwhile is left deleted.
	TouchMerchantKey(ctx context.Context, hash []byte, atUnix int64) error
}

// keyPrefix starts every merchant key, so that a leaked one is recognisable (secret
// scanners) and a key is never mistaken for the admin token.
const keyPrefix = "bsk_"

// Keys mints, lists, revokes and checks merchant API keys. A key is 32 random bytes
// (base64url after keyPrefix): with that much entropy a SHA-256 of it is a safe
// stored form and a lookup by hash is a constant-time check in effect.
type Keys struct {
	store KeyStore
	now   func() time.Time
}

// NewKeys returns Keys over store; now is the clock (time.Now when nil).
func NewKeys(store KeyStore, now func() time.Time) *Keys {
	if now == nil {
		now = time.Now
	}
	return &Keys{store: store, now: now}
}

// Create mints a key for merchantID and returns its id and the key, which is not kept.
func (k *Keys) Create(ctx context.Context, merchantID string) (keyID, key string, err error) {
	if merchantID == "" {
		return "", "", fmt.Errorf("merchant_id is required: %w", booking.ErrInvalid)
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	key = keyPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	keyID = "key_" + randomHex(8)
	rec := &bsv1.MerchantKeyRecord{KeyId: keyID, MerchantId: merchantID, Hash: hashOf(key), CreatedUnix: k.now().Unix()}
	if err := k.store.PutMerchantKey(ctx, rec); err != nil {
		return "", "", err
	}
	return keyID, key, nil
}

// List returns a merchant's keys, oldest first.
func (k *Keys) List(ctx context.Context, merchantID string) ([]*bsv1.MerchantKeyRecord, error) {
	if merchantID == "" {
		return nil, fmt.Errorf("merchant_id is required: %w", booking.ErrInvalid)
	}
	return k.store.MerchantKeys(ctx, merchantID)
}

// Revoke deletes a merchant's key: it authenticates nothing from then on.
func (k *Keys) Revoke(ctx context.Context, merchantID, keyID string) error {
	if merchantID == "" || keyID == "" {
		return fmt.Errorf("merchant_id and key_id are required: %w", booking.ErrInvalid)
	}
	return k.store.DeleteMerchantKey(ctx, merchantID, keyID)
}

// Verify returns the record of key, or booking.ErrNotFound for an unknown or revoked
// key. It records the use, to the minute (a write at most once a minute per key).
func (k *Keys) Verify(ctx context.Context, key string) (*bsv1.MerchantKeyRecord, error) {
	if !strings.HasPrefix(key, keyPrefix) {
		return nil, booking.ErrNotFound
	}
	h := hashOf(key)
	rec, err := k.store.MerchantKeyByHash(ctx, h)
	if err != nil {
		return nil, err
	}
	now := k.now().Unix()
	if now/60 != rec.GetLastUsedUnix()/60 {
		if err := k.store.TouchMerchantKey(ctx, h, now); err != nil && !errors.Is(err, booking.ErrNotFound) {
			return nil, err
		}
		rec.LastUsedUnix = now
	}
	return rec, nil
}

// hashOf is the stored form of a high-entropy secret.
func hashOf(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
