package notifier

import (
	"context"
	"time"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Outbox is the durable queue the notifier drains (implemented by store.Outbox).
type Outbox interface {
	// Due returns up to limit pending records due at now, in enqueue order, none of
	// them preceded by a pending record of the same booking.
	Due(ctx context.Context, now time.Time, limit int) ([]*bsv1.OutboxRecord, error)
	// Delivered deletes a delivered record.
	Delivered(ctx context.Context, id uint64) error
	// Failed records a failed attempt and makes the record due again at next.
	Failed(ctx context.Context, id uint64, a *bsv1.Attempt, next time.Time) error
	// Dead records the last failed attempt and moves the record to the dead letters.
	Dead(ctx context.Context, id uint64, a *bsv1.Attempt) error
	// Counts returns the number of pending and dead records.
	Counts(ctx context.Context) (pending, dead int, err error)
	// Wake receives a value when records were enqueued or retried.
	Wake() <-chan struct{}
}
