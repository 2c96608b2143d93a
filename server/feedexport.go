package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/feeds"
)

// FeedExporter writes a feed of what is loaded now (store.Store.ExportFeed).
type FeedExporter interface {
	ExportFeed(ctx context.Context, kind feeds.ExportKind, opts feeds.ExportOptions, open func(shard, total int) (io.Writer, error)) (feeds.ExportInfo, error)
}

// feedExportHandler serves GET /v1/feeds/{kind}:export (admin): our current state
// as Google's COMPLETE feed JSON (feeds.Export). A feed of more than
// feeds.DefaultShardRecords records has several shards: the answer is one of them,
// ?shard=N (default 0), with X-Feed-Total-Shards, X-Feed-Nonce and
// X-Feed-Generation-Timestamp; ask for the others with ?shard=N&nonce=…&generation=…
// so that every shard carries the same metadata. Each request reads a fresh snapshot:
// for shards that agree record for record, publish (which writes all shards from one
// snapshot) is the way.
func (s *Server) feedExportHandler(w http.ResponseWriter, r *http.Request) {
	name, isExport := strings.CutSuffix(r.PathValue("feed"), ":export")
	if _, known := feedKinds[name]; !known || !isExport {
		writeStatus(w, status.New(codes.NotFound, "use GET /v1/feeds/{merchant|service|availability}:export"))
		return
	}
	if s.exports == nil {
		writeStatus(w, status.New(codes.Unavailable, "feed export is not available on this store backend"))
		return
	}
	// A large feed takes longer to write than an API answer (150 MB for a million
	// slots): the route is behind the admin token, so no stranger gets the time.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.Limits.FeedReadTimeout))
	q := r.URL.Query()
	shard, err1 := queryInt(q.Get("shard"), 0)
	nonce, err2 := strconv.ParseUint(cmpOr(q.Get("nonce"), "0"), 10, 64)
	gen, err3 := queryInt(q.Get("generation"), time.Now().Unix())
	if err1 != nil || err2 != nil || err3 != nil || shard < 0 {
		writeStatus(w, status.New(codes.InvalidArgument, "shard, nonce and generation are non-negative integers"))
		return
	}
	opts := feeds.ExportOptions{GenerationTimestamp: gen, Nonce: nonce}
	if opts.Nonce == 0 {
		opts.Nonce = uint64(time.Now().UnixNano()) | 1
	}
	wrote := false
	_, err := s.exports.ExportFeed(r.Context(), feeds.ExportKind(name), opts, func(i, total int) (io.Writer, error) {
		if int64(i) != shard {
			return io.Discard, nil
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("X-Feed-Total-Shards", strconv.Itoa(total))
		h.Set("X-Feed-Nonce", strconv.FormatUint(opts.Nonce, 10))
		h.Set("X-Feed-Generation-Timestamp", strconv.FormatInt(opts.GenerationTimestamp, 10))
		wrote = true
		return w, nil
	})
	switch {
	case err != nil && !wrote:
		st, _ := status.FromError(toStatus(r.Context(), err))
		writeStatus(w, st)
	case err != nil:
		slog.ErrorContext(r.Context(), "feed export failed mid-answer", "kind", name, "err", err)
	case !wrote:
		writeStatus(w, status.New(codes.NotFound, "no such shard"))
	}
}

// queryInt parses a query parameter, def when empty.
func queryInt(v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

// cmpOr is v, or def when v is empty.
func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
