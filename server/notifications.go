package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Notifications is the notification outbox as an operator sees it while the server
// runs: what waits, what died, and a way to send a dead letter again. store.Outbox
// implements it.
type Notifications interface {
	// ListPending returns the records waiting for delivery, in id order.
	ListPending(ctx context.Context) ([]*bsv1.OutboxRecord, error)
	// ListDead returns the dead letters, in id order.
	ListDead(ctx context.Context) ([]*bsv1.OutboxRecord, error)
	// Retry makes dead letter id pending again and returns it; ErrNotFound when
	// there is no such dead letter.
	Retry(ctx context.Context, id uint64) (*bsv1.OutboxRecord, error)
}

// ListNotifications lists pending records or dead letters (state "pending" or "dead").
func (m *merchantService) ListNotifications(ctx context.Context, req *bsv1.ListNotificationsRequest) (*bsv1.ListNotificationsResponse, error) {
	if m.notifications == nil {
		return nil, toStatus(ctx, fmt.Errorf("no notification outbox: %w", booking.ErrUnavailable))
	}
	var list func(context.Context) ([]*bsv1.OutboxRecord, error)
	switch req.GetState() {
	case "pending":
		list = m.notifications.ListPending
	case "dead":
		list = m.notifications.ListDead
	default:
		return nil, toStatus(ctx, fmt.Errorf("state %q: want pending or dead: %w", req.GetState(), booking.ErrInvalid))
	}
	recs, err := list(ctx)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	scope := booking.ScopeOf(ctx)
	recs = slices.DeleteFunc(recs, func(r *bsv1.OutboxRecord) bool { return !scope.Allows(r.GetNotification().GetMerchantId()) })
	return &bsv1.ListNotificationsResponse{Records: recs}, nil
}

// RetryNotification makes a dead letter pending again.
func (m *merchantService) RetryNotification(ctx context.Context, req *bsv1.RetryNotificationRequest) (*bsv1.RetryNotificationResponse, error) {
	if m.notifications == nil {
		return nil, toStatus(ctx, fmt.Errorf("no notification outbox: %w", booking.ErrUnavailable))
	}
	if err := m.deadInScope(ctx, req.GetId()); err != nil {
		return nil, toStatus(ctx, err)
	}
	rec, err := m.notifications.Retry(ctx, req.GetId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.RetryNotificationResponse{Record: rec}, nil
}

// deadInScope returns ErrNotFound, as for a missing dead letter, when the caller is
// scoped to one merchant and dead letter id is another merchant's.
func (m *merchantService) deadInScope(ctx context.Context, id uint64) error {
	scope := booking.ScopeOf(ctx)
	if scope.MerchantID() == "" {
		return nil
	}
	dead, err := m.notifications.ListDead(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(dead, func(r *bsv1.OutboxRecord) bool { return r.GetId() == id })
	if i < 0 {
		return fmt.Errorf("dead letter %d: %w", id, booking.ErrNotFound)
	}
	return scope.Check(dead[i].GetNotification().GetMerchantId(), fmt.Sprintf("dead letter %d", id))
}
