package store

import (
	"context"
	"io"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Backend is a booking store with what runs beside the booking core: feed loads,
// the notification outbox, the start-up count check and idempotency retention.
// Store (bbolt, one process) and Postgres (several replicas) are the two.
type Backend interface {
	booking.Store
	// LoadFeed validates and applies one feed file (Store.LoadFeed).
	LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (LoadSummary, error)
	// ExportFeed writes the kind feed of what is loaded now, every shard from one
	// consistent read (Store.ExportFeed).
	ExportFeed(ctx context.Context, kind feeds.ExportKind, opts feeds.ExportOptions, open func(shard, total int) (io.Writer, error)) (feeds.ExportInfo, error)
	// Outbox is the notification outbox.
	Outbox() Queue
	// AvailabilityOutbox is the availability RTU queue.
	AvailabilityOutbox() RTUQueue
	// InventoryOutbox is the merchant and service RTU queue.
	InventoryOutbox() InventoryQueue
	// Reconcile makes the count of every slot starting at or after from equal its live
	// bookings and returns how many it fixed (Store.Reconcile); the zero time checks
	// every slot.
	Reconcile(from time.Time) (int, error)
	// PurgeIdempotency deletes CreateBooking answers older than before, except those
	// of pending payments, and returns how many.
	PurgeIdempotency(before time.Time) (int, error)
	// PurgeWebhookEvents forgets the gateway webhooks applied before before and
	// returns how many.
	PurgeWebhookEvents(before time.Time) (int, error)
	// EraseCustomerData erases the personal data of the bookings whose slot ended
	// before endedBefore, and their delivered notifications, keeping what accounting
	// needs; it returns how many bookings had data erased (Store.EraseCustomerData).
	EraseCustomerData(endedBefore time.Time) (int, error)
	// PurgePastRTU deletes the availability RTU windows, pending or dead, that ended
	// before before: Google shows no past availability, and without credentials
	// nothing else would ever remove them (Store.PurgePastRTU).
	PurgePastRTU(before time.Time) (int, error)
	Close() error
}

// Queue is the half of the outbox that the notifier drains (notifier.Outbox) and
// operators inspect; the transactional half is booking.Tx.Enqueue.
type Queue interface {
	Due(ctx context.Context, now time.Time, limit int) ([]*bsv1.OutboxRecord, error)
	Delivered(ctx context.Context, id uint64) error
	Failed(ctx context.Context, id uint64, a *bsv1.Attempt, next time.Time) error
	Dead(ctx context.Context, id uint64, a *bsv1.Attempt) error
	Counts(ctx context.Context) (pending, dead int, err error)
	Wake() <-chan struct{}
	// Retry makes a dead record pending again and returns it; one that is not dead
	// is booking.ErrNotFound.
	Retry(ctx context.Context, id uint64) (*bsv1.OutboxRecord, error)
	// RetryAllDead makes every dead record pending again and returns how many.
	RetryAllDead(ctx context.Context) (int, error)
	// ListPending returns every pending record in id order.
	ListPending(ctx context.Context) ([]*bsv1.OutboxRecord, error)
	// ListDead returns every dead record in id order.
	ListDead(ctx context.Context) ([]*bsv1.OutboxRecord, error)
	// BookingHistory returns the notifications about one booking — pending, dead and
	// delivered — in id order.
	BookingHistory(ctx context.Context, bookingID string) ([]*bsv1.OutboxRecord, error)
}

var (
	_ Backend = (*Store)(nil)
	_ Backend = (*Postgres)(nil)
)

// RTUQueue is the half of the availability RTU queue that the worker drains
// (notifier.AvailabilityOutbox) and operators inspect; the other half is
// booking.Tx.SpotsChanged and the feed loads.
type RTUQueue interface {
	Due(ctx context.Context, now time.Time, limit int) ([]booking.AvailabilityUpdate, error)
	Delivered(ctx context.Context, recs []*bsv1.AvailabilityRecord, readAt time.Time) error
	Failed(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt, next []time.Time) error
	Dead(ctx context.Context, recs []*bsv1.AvailabilityRecord, a *bsv1.Attempt) error
	Counts(ctx context.Context) (pending, dead int, err error)
	Wake() <-chan struct{}
	// RetryAllDead makes every dead window pending again and returns how many.
	RetryAllDead(ctx context.Context) (int, error)
	// List returns every pending window, then every dead one, in key order.
	List(ctx context.Context) ([]*bsv1.AvailabilityRecord, error)
}
