package notifier

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy says when to try a record again after its failures-th failure
// (failures ≥ 1), counted since it was enqueued or last retried by an operator.
type RetryPolicy interface {
	NextAttempt(failures int) time.Time
}

// Backoff is the default RetryPolicy: Base·2^(failures−1), capped at Max, each
// delay scaled by a random factor in [1−Jitter, 1+Jitter] so that records failing
// together do not retry together.
type Backoff struct {
	// Base is the delay after the first failure.
	Base time.Duration
	// Max caps the delay (before jitter).
	Max time.Duration
	// Jitter is the relative spread, 0.1 for ±10 %.
	Jitter float64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1); nil means math/rand/v2.
	Rand func() float64
}

// DefaultBackoff is 1 s, 2 s, 4 s, … capped at 10 min, ±10 %: with
// DefaultMaxAttempts a record is tried for about two hours before it is dead.
func DefaultBackoff() *Backoff {
	return &Backoff{Base: time.Second, Max: 10 * time.Minute, Jitter: 0.1}
}

// Delay is the delay after the failures-th failure, without jitter.
func (b *Backoff) Delay(failures int) time.Duration {
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// NextAttempt implements RetryPolicy.
func (b *Backoff) NextAttempt(failures int) time.Time {
	now, rnd := time.Now, rand.Float64
	if b.Now != nil {
		now = b.Now
	}
	if b.Rand != nil {
		rnd = b.Rand
	}
	d := float64(b.Delay(failures)) * (1 + b.Jitter*(2*rnd()-1))
	return now().Add(time.Duration(d))
}
