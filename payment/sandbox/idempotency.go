package sandbox

import (
	"context"
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// replay is the first answer given under one idempotency key.
type replay struct {
	// request identifies the operation and all its parameters.
	request string
	value   any
	err     error
}

// do runs one operation under the lock with Stripe's idempotency rules: a known key
// with the same request replays its first answer, a known key with another request is
// a conflict, and a new key runs op once and remembers its answer (declines and
// refusals included). Injected failures wrap all of that: FailNext answers before the
// key is looked at, so they are never remembered, and DropNext replaces the answer
// after it is remembered.
func do[T any](ctx context.Context, p *Processor, key, op string, req any, run func() (T, error)) (T, error) {
	var zero T
	request := fmt.Sprintf("%s %#v", op, req)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.injectedFailure(); err != nil {
		return zero, err
	}
	v, err := replayOrRun(ctx, p, key, request, run)
	if dropped := p.droppedAnswer(); dropped != nil {
		return zero, dropped
	}
	return v, err
}

// replayOrRun answers from p.replays or runs op and remembers its answer; the caller
// holds p.mu.
func replayOrRun[T any](ctx context.Context, p *Processor, key, request string, run func() (T, error)) (T, error) {
	var zero T
	if r, ok := p.replays[key]; ok {
		if r.request != request {
			return zero, fmt.Errorf("sandbox: idempotency key %q was first used with another request: %w", key, booking.ErrConflict)
		}
		v, _ := r.value.(T)
		return v, r.err
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	v, err := run()
	p.replays[key] = replay{request: request, value: v, err: err}
	return v, err
}
