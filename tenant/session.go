package tenant

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// SessionStore persists dashboard sessions under the SHA-256 of their cookie value.
type SessionStore interface {
	// PutSession stores a session.
	PutSession(ctx context.Context, id []byte, rec *bsv1.SessionRecord) error
	// Session returns a session, or booking.ErrNotFound.
	Session(ctx context.Context, id []byte) (*bsv1.SessionRecord, error)
	// DeleteSession removes a session (logout); no error when there is none.
	DeleteSession(ctx context.Context, id []byte) error
	// DeleteExpiredSessions removes the sessions expired at nowUnix and returns how many.
	DeleteExpiredSessions(ctx context.Context, nowUnix int64) (int, error)
}

// SettingsStore persists each merchant's dashboard settings.
type SettingsStore interface {
	// MerchantSettings returns a merchant's settings; the zero record when none are set.
	MerchantSettings(ctx context.Context, merchantID string) (*bsv1.MerchantSettingsRecord, error)
	// PutMerchantSettings replaces a merchant's settings.
	PutMerchantSettings(ctx context.Context, merchantID string, rec *bsv1.MerchantSettingsRecord) error
}

// Sessions mints and checks dashboard sessions. The cookie value is 32 random bytes;
// the store keeps its SHA-256, so a copy of the data file opens no session.
type Sessions struct {
	store SessionStore
	ttl   time.Duration
	now   func() time.Time
}

// NewSessions returns Sessions lasting ttl; now is the clock (time.Now when nil).
func NewSessions(store SessionStore, ttl time.Duration, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{store: store, ttl: ttl, now: now}
}

// Start opens a session for who acting for merchantID and returns the cookie value
// and the session (with its CSRF token).
func (s *Sessions) Start(ctx context.Context, merchantID, who string) (string, *bsv1.SessionRecord, error) {
	var raw, csrf [32]byte
	_, _ = rand.Read(raw[:])
	_, _ = rand.Read(csrf[:])
	cookie := base64.RawURLEncoding.EncodeToString(raw[:])
	rec := &bsv1.SessionRecord{MerchantId: merchantID, Who: who, CsrfToken: base64.RawURLEncoding.EncodeToString(csrf[:]),
		ExpiresUnix: s.now().Add(s.ttl).Unix()}
	if err := s.store.PutSession(ctx, hashOf(cookie), rec); err != nil {
		return "", nil, err
	}
	return cookie, rec, nil
}

// Get returns the live session of a cookie value, or booking.ErrNotFound (unknown or
// expired; an expired one is deleted).
func (s *Sessions) Get(ctx context.Context, cookie string) (*bsv1.SessionRecord, error) {
	if cookie == "" {
		return nil, booking.ErrNotFound
	}
	rec, err := s.store.Session(ctx, hashOf(cookie))
	if err != nil {
		return nil, err
	}
	if rec.GetExpiresUnix() <= s.now().Unix() {
		if err := s.store.DeleteSession(ctx, hashOf(cookie)); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("session expired: %w", booking.ErrNotFound)
	}
	return rec, nil
}

// End closes a session (logout).
func (s *Sessions) End(ctx context.Context, cookie string) error {
	return s.store.DeleteSession(ctx, hashOf(cookie))
}

// Sweep deletes expired sessions; run it now and then.
func (s *Sessions) Sweep(ctx context.Context) (int, error) {
	return s.store.DeleteExpiredSessions(ctx, s.now().Unix())
}

// CheckCSRF reports whether token is the session's CSRF token (constant time).
func CheckCSRF(rec *bsv1.SessionRecord, token string) error {
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(rec.GetCsrfToken())) != 1 {
		return errors.New("missing or wrong CSRF token")
	}
	return nil
}
