package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/payment/gateways"
)

// maxWebhookBytes bounds a gateway webhook body.
const maxWebhookBytes = 1 << 20

// webhookHandler serves POST /v1/webhooks/{gateway}/{merchant_id}: the gateways'
// notifications, authenticated by their signature over the raw body (no admin token;
// see httpAccess). A bad signature answers 401 and changes nothing; an event applied
// before answers 200 again and changes nothing.
func (s *Server) webhookHandler(w http.ResponseWriter, r *http.Request) {
	if s.gateways == nil {
		writeStatus(w, status.New(codes.FailedPrecondition, gateways.ErrNoKey.Error()))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBytes))
	if err != nil {
		writeStatus(w, status.New(codes.InvalidArgument, "webhook body: "+err.Error()))
		return
	}
	ctx, gw, mid := r.Context(), r.PathValue("gateway"), r.PathValue("merchant_id")
	events, err := s.gateways.Events(ctx, gw, mid, r.Header, body)
	if errors.Is(err, gateways.ErrSignature) {
		slog.WarnContext(ctx, "webhook refused", "gateway", gw, "merchant_id", mid, "err", err)
		writeStatus(w, status.New(codes.Unauthenticated, err.Error()))
		return
	}
	if err != nil {
		st, _ := status.FromError(toStatus(ctx, err))
		writeStatus(w, st)
		return
	}
	for _, ev := range events {
		out, err := s.merchantService.core.ApplyGatewayEvent(ctx, ev)
		if err != nil {
			st, _ := status.FromError(toStatus(ctx, err))
			writeStatus(w, st)
			return
		}
		s.metrics.ObserveWebhookEvent(gw, ev.Kind.String(), string(out))
		slog.InfoContext(ctx, "webhook", "gateway", gw, "merchant_id", mid, "booking_id", ev.BookingID, "event", ev.DedupeKey,
			"kind", ev.Kind.String(), "outcome", string(out))
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"ok"}`)
}
