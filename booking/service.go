package booking

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// Config builds a Service.
type Config struct {
	// Store persists everything.
	Store Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NewID returns a new booking id; random when nil.
	NewID func() string
	// Processor takes payments; bookings that need one fail with PAYMENT_ERROR when nil.
	Processor Processor
	// ParseToken turns Google's unparsed payment token into the processor's token id;
	// identity when nil.
	ParseToken func(unparsed string) (string, error)
	// CartLimits caps unpaid cart holds; DefaultCartLimits when zero.
	CartLimits CartLimits
	// Gateways are the merchants' hosted payment gateway accounts; IMOJE and WORLDLINE
	// bookings fail with PAYMENT_OPTION_NOT_VALID when nil.
	Gateways HostedGateways
}

// Service is the booking core: availability, create, update and queries.
type Service struct {
	store      Store
	now        func() time.Time
	newID      func() string
	processor  Processor
	parseToken func(string) (string, error)
	cartLimits CartLimits
	gateways   HostedGateways
	// tokens serializes CreateBooking per idempotency token, bookings every change of
	// one booking that involves the processor (so concurrent refunds cannot exceed
	// what was captured).
	tokens, bookings keyedMutex
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("booking: no store")
	}
	s := &Service{store: cfg.Store, now: cfg.Now, newID: cfg.NewID, processor: cfg.Processor, parseToken: cfg.ParseToken, cartLimits: cfg.CartLimits.withDefaults(), gateways: cfg.Gateways}
	if s.parseToken == nil {
		s.parseToken = func(t string) (string, error) { return t, nil }
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = randomID
	}
	return s, nil
}

// randomID returns "bk_" and 24 random hex digits.
func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "bk_" + hex.EncodeToString(b[:])
}

// keyedMutex serializes work per key (an idempotency token, a booking id), so that a
// replay that arrives while the first call is still in flight waits for its answer —
// but no longer than its caller's deadline.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

// keyedLock is one key's lock: a token in a one-slot channel, so that waiting for it
// can be given up.
type keyedLock struct {
	held    chan struct{}
	waiters int
}

// Lock locks key and returns its unlock function, waiting as long as it takes (for
// work that must finish: recovery, sweeps).
func (k *keyedMutex) Lock(key string) func() {
	unlock, _ := k.LockContext(context.Background(), key)
	return unlock
}

// LockContext locks key, or gives up with ctx's error when ctx ends first.
func (k *keyedMutex) LockContext(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{held: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.waiters++
	k.mu.Unlock()
	forget := func() {
		k.mu.Lock()
		if l.waiters--; l.waiters == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
	select {
	case l.held <- struct{}{}:
	case <-ctx.Done():
		forget()
		return nil, ctx.Err()
	}
	return func() {
		<-l.held
		forget()
	}, nil
}
