package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// operatorOutbox is what `notify list|retry` needs of the notification outbox: the
// data file's (store.Queue) when no server holds it, or the running server's merchant
// API (remoteOutbox) when one does.
type operatorOutbox interface {
	ListPending(ctx context.Context) ([]*bsv1.OutboxRecord, error)
	ListDead(ctx context.Context) ([]*bsv1.OutboxRecord, error)
	Retry(ctx context.Context, id uint64) (*bsv1.OutboxRecord, error)
	RetryAllDead(ctx context.Context) (int, error)
}

// remoteOutbox is the outbox of a running server, through GET /v1/notifications and
// POST /v1/notifications/{id}:retry with an admin token.
type remoteOutbox struct {
	base, token string
	// client calls the server; http.DefaultClient when nil.
	client *http.Client
}

func (r remoteOutbox) call(ctx context.Context, method, path string, out proto.Message) error {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(r.base, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	client := r.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(data, out)
}

func (r remoteOutbox) list(ctx context.Context, state string) ([]*bsv1.OutboxRecord, error) {
	var resp bsv1.ListNotificationsResponse
	err := r.call(ctx, http.MethodGet, "/v1/notifications?state="+state, &resp)
	return resp.GetRecords(), err
}

func (r remoteOutbox) ListPending(ctx context.Context) ([]*bsv1.OutboxRecord, error) {
	return r.list(ctx, "pending")
}

func (r remoteOutbox) ListDead(ctx context.Context) ([]*bsv1.OutboxRecord, error) {
	return r.list(ctx, "dead")
}

func (r remoteOutbox) Retry(ctx context.Context, id uint64) (*bsv1.OutboxRecord, error) {
	var resp bsv1.RetryNotificationResponse
	err := r.call(ctx, http.MethodPost, fmt.Sprintf("/v1/notifications/%d:retry", id), &resp)
	return resp.GetRecord(), err
}

// RetryAllDead retries the dead letters one by one (the API has no bulk call).
func (r remoteOutbox) RetryAllDead(ctx context.Context) (int, error) {
	dead, err := r.ListDead(ctx)
	if err != nil {
		return 0, err
	}
	for i, rec := range dead {
		if _, err := r.Retry(ctx, rec.GetId()); err != nil {
			return i, err
		}
	}
	return len(dead), nil
}
