package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/publish"
)

// Publisher uploads the feeds to Google's dropboxes (publish.Publisher).
type Publisher interface {
	Publish(ctx context.Context, trigger string) publish.Publication
	Publications() []publish.Publication
}

// publishHandler serves POST /v1/feeds:publish (admin): the three feeds are uploaded
// now; the answer is the publication (outcome "ok" or "failed", files, bytes, sha256).
func (s *Server) publishHandler(w http.ResponseWriter, r *http.Request) {
	if s.publisher == nil {
		writeStatus(w, status.New(codes.Unavailable, "feed upload is off: set --dropbox-* flags"))
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.Limits.FeedReadTimeout))
	writeJSON(w, s.publisher.Publish(r.Context(), "api"))
}

// publicationsHandler serves GET /v1/feeds/publications (admin): the kept
// publications, newest first.
func (s *Server) publicationsHandler(w http.ResponseWriter, _ *http.Request) {
	if s.publisher == nil {
		writeStatus(w, status.New(codes.Unavailable, "feed upload is off: set --dropbox-* flags"))
		return
	}
	writeJSON(w, map[string]any{"publications": s.publisher.Publications()})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
