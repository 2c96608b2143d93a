package sandbox

import (
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// FailNext makes the next n calls fail with a technical error wrapping
// booking.ErrUnavailable before anything happens, as when the processor cannot be
// reached. The failure is not remembered under the idempotency key, so a retry with
// the same key then succeeds.
func (p *Processor) FailNext(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failNext = n
}

// DropNext makes the next n calls do their work (move money, or replay an answer) and
// remember it, then return a technical error wrapping booking.ErrUnavailable instead,
// as when the response is lost on the way back. A retry with the same key gets the
// remembered answer, which is how a caller proves it never charges twice.
func (p *Processor) DropNext(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropNext = n
}

// injectedFailure consumes one FailNext; the caller holds p.mu.
func (p *Processor) injectedFailure() error {
	if p.failNext <= 0 {
		return nil
	}
	p.failNext--
	return fmt.Errorf("sandbox: injected failure before the call: %w", booking.ErrUnavailable)
}

// droppedAnswer consumes one DropNext; the caller holds p.mu.
func (p *Processor) droppedAnswer() error {
	if p.dropNext <= 0 {
		return nil
	}
	p.dropNext--
	return fmt.Errorf("sandbox: injected failure: answer lost after the call: %w", booking.ErrUnavailable)
}
