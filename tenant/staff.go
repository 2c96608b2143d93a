package tenant

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// StaffStore persists staff accounts, keyed by lower-case email.
type StaffStore interface {
	// PutStaff inserts or replaces an account.
	PutStaff(ctx context.Context, rec *bsv1.StaffAccountRecord) error
	// Staff returns an account, or booking.ErrNotFound.
	Staff(ctx context.Context, email string) (*bsv1.StaffAccountRecord, error)
}

// MinPasswordLen is the shortest password a staff account takes.
const MinPasswordLen = 10

// Staff manages the dashboard accounts of merchants' staff. Passwords are kept as
// bcrypt hashes (cost bcrypt.DefaultCost): a login is slow on purpose, and the
// dashboard limits attempts.
type Staff struct {
	store StaffStore
	now   func() time.Time
}

// NewStaff returns Staff over store; now is the clock (time.Now when nil).
func NewStaff(store StaffStore, now func() time.Time) *Staff {
	if now == nil {
		now = time.Now
	}
	return &Staff{store: store, now: now}
}

// Add creates or replaces the account of email for merchantID.
func (s *Staff) Add(ctx context.Context, merchantID, email, password string) error {
	addr, err := mail.ParseAddress(email)
	switch {
	case merchantID == "":
		return fmt.Errorf("a merchant is required: %w", booking.ErrInvalid)
	case err != nil || addr.Address != strings.TrimSpace(email):
		return fmt.Errorf("%q is not an email address: %w", email, booking.ErrInvalid)
	case len(password) < MinPasswordLen:
		return fmt.Errorf("the password must have at least %d characters: %w", MinPasswordLen, booking.ErrInvalid)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.store.PutStaff(ctx, &bsv1.StaffAccountRecord{Email: strings.ToLower(addr.Address), MerchantId: merchantID, PasswordHash: hash, CreatedUnix: s.now().Unix()})
}

// dummyHash is compared against when there is no such account, so that a login
// takes as long whether or not the email exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such account"), bcrypt.DefaultCost)

// Check returns the account of email when password is its password, else
// booking.ErrNotFound (the same for an unknown email and a wrong password).
func (s *Staff) Check(ctx context.Context, email, password string) (*bsv1.StaffAccountRecord, error) {
	rec, err := s.store.Staff(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, booking.ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, booking.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword(rec.GetPasswordHash(), []byte(password)) != nil {
		return nil, booking.ErrNotFound
	}
	return rec, nil
}
