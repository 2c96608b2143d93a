package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/bookingserver/bookingserver/booking"
)

// InstrumentProcessor wraps p so that every call is counted in payments_total and
// timed in payment_duration_seconds. A nil p stays nil (booking.Config treats nil as
// "no processor"), and a nil m returns p unchanged.
func InstrumentProcessor(p booking.Processor, m *Metrics) booking.Processor {
	if p == nil || m == nil {
		return p
	}
	return &instrumentedProcessor{next: p, m: m}
}

// instrumentedProcessor is the booking.Processor decorator of InstrumentProcessor.
type instrumentedProcessor struct {
	next booking.Processor
	m    *Metrics
}

// paymentOutcome names an error for the outcome label.
func paymentOutcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, booking.ErrDeclined):
		return "declined"
	case errors.Is(err, booking.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return "unavailable"
	}
	return "error"
}

func (p *instrumentedProcessor) observe(op string, start time.Time, err error) {
	p.m.ObservePayment(p.next.Name(), op, paymentOutcome(err), time.Since(start))
}

// Name is the wrapped processor's name.
func (p *instrumentedProcessor) Name() string { return p.next.Name() }

// Charge calls the wrapped processor and records the outcome.
func (p *instrumentedProcessor) Charge(ctx context.Context, req booking.ChargeRequest) (t booking.Transaction, err error) {
	defer func(start time.Time) { p.observe("charge", start, err) }(time.Now())
	return p.next.Charge(ctx, req)
}

// Authorize calls the wrapped processor and records the outcome.
func (p *instrumentedProcessor) Authorize(ctx context.Context, req booking.ChargeRequest) (t booking.Transaction, err error) {
	defer func(start time.Time) { p.observe("authorize", start, err) }(time.Now())
	return p.next.Authorize(ctx, req)
}

// Capture calls the wrapped processor and records the outcome.
func (p *instrumentedProcessor) Capture(ctx context.Context, req booking.CaptureRequest) (t booking.Transaction, err error) {
	defer func(start time.Time) { p.observe("capture", start, err) }(time.Now())
	return p.next.Capture(ctx, req)
}

// Void calls the wrapped processor and records the outcome.
func (p *instrumentedProcessor) Void(ctx context.Context, req booking.VoidRequest) (t booking.Transaction, err error) {
	defer func(start time.Time) { p.observe("void", start, err) }(time.Now())
	return p.next.Void(ctx, req)
}

// SaveCard calls the wrapped processor and records the outcome.
func (p *instrumentedProcessor) SaveCard(ctx context.Context, req booking.SaveCardRequest) (c booking.SavedCard, err error) {
	defer func(start time.Time) { p.observe("save_card", start, err) }(time.Now())
	return p.next.SaveCard(ctx, req)
}

// ChargeSaved calls the wrapped processor and records the outcome.
func (p *instrumentedProcessor) ChargeSaved(ctx context.Context, req booking.ChargeSavedRequest) (t booking.Transaction, err error) {
	defer func(start time.Time) { p.observe("charge_saved", start, err) }(time.Now())
	return p.next.ChargeSaved(ctx, req)
}

// Refund calls the wrapped processor and records the outcome.
func (p *instrumentedProcessor) Refund(ctx context.Context, req booking.RefundRequest) (t booking.Transaction, err error) {
	defer func(start time.Time) { p.observe("refund", start, err) }(time.Now())
	return p.next.Refund(ctx, req)
}
