package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
)

// FeedLoader validates and applies one feed file.
type FeedLoader interface {
	LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (store.LoadSummary, error)
}

// maxFeedBytes bounds an uploaded feed (a million slots is about 150 MB of JSON).
const maxFeedBytes = 512 << 20

// feedKinds maps the {kind} of POST /v1/feeds/{kind} to the feed kind.
var feedKinds = map[string]bsv1.FeedKind{
	"merchant":     bsv1.FeedKind_FEED_KIND_MERCHANT,
	"service":      bsv1.FeedKind_FEED_KIND_SERVICE,
	"availability": bsv1.FeedKind_FEED_KIND_AVAILABILITY,
}

// UploadFeed applies one feed file.
func (m *merchantService) UploadFeed(ctx context.Context, req *bsv1.UploadFeedRequest) (*bsv1.UploadFeedResponse, error) {
	if m.feeds == nil {
		return nil, toStatus(ctx, fmt.Errorf("feed uploads are not configured: %w", booking.ErrUnavailable))
	}
	sum, err := m.feeds.LoadFeed(ctx, req.GetKind(), req.GetFeedJson())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.UploadFeedResponse{Summary: sum.String(), RecordsApplied: int64(sum.Records), PendingShards: int32(sum.PendingShards)}, nil
}

// feedUploadHandler serves POST /v1/feeds/{kind}: the body is the raw feed JSON, as
// merchant systems produce it; the answer is UploadFeedResponse as JSON, or the error
// status as the gateway would write it.
func (s *Server) feedUploadHandler(w http.ResponseWriter, r *http.Request) {
	kind, ok := feedKinds[r.PathValue("kind")]
	if !ok {
		writeStatus(w, status.New(codes.NotFound, "unknown feed kind: use merchant, service or availability"))
		return
	}
	// A feed may take longer to arrive and apply than an API call: extend this
	// request's deadlines (the route is behind the admin token, so no stranger gets
	// the time).
	rc, deadline := http.NewResponseController(w), time.Now().Add(s.cfg.Limits.FeedReadTimeout)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline.Add(s.cfg.Limits.WriteTimeout))
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFeedBytes))
	if err != nil {
		writeStatus(w, status.New(codes.InvalidArgument, "feed body: "+err.Error()))
		return
	}
	resp, err := s.merchantService.UploadFeed(r.Context(), &bsv1.UploadFeedRequest{Kind: kind, FeedJson: data})
	if err != nil {
		st, _ := status.FromError(err)
		writeStatus(w, st)
		return
	}
	out, err := JSONOptions.Marshal(resp)
	if err != nil {
		writeStatus(w, status.New(codes.Internal, "internal error"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// writeStatus writes a gRPC status the way the gateway does: the HTTP status for its
// code and {"code": <gRPC code>, "message": …} as the body.
func writeStatus(w http.ResponseWriter, st *status.Status) {
	body, _ := JSONOptions.Marshal(st.Proto())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(runtime.HTTPStatusFromCode(st.Code()))
	_, _ = w.Write(body)
}
