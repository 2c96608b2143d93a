package server

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Backuper is a store that can write a consistent snapshot of itself while serving.
// The bbolt store does (one read transaction); a store that cannot (Postgres, which
// has pg_dump) is simply not one, and GET /v1/backup answers Unimplemented.
type Backuper interface {
	// WriteBackup calls start with the snapshot's size in bytes, then writes the
	// snapshot to the writer start returned.
	WriteBackup(start func(size int64) io.Writer) error
}

// backupHandler serves GET /v1/backup (admin token): the data file as of one moment,
// streamed while bookings go on. The write deadline is lifted for it: a large file on
// a slow link takes what it takes, and only the platform's token can ask.
func (s *Server) backupHandler(w http.ResponseWriter, r *http.Request) {
	if s.backup == nil {
		writeStatus(w, status.New(codes.Unimplemented, "online backup is not supported by this store: back up the database with its own tools (pg_dump)"))
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	start := time.Now()
	size := int64(-1)
	err := s.backup.WriteBackup(func(n int64) io.Writer {
		size = n
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="bookingserver-`+start.UTC().Format("20060102T150405Z")+`.db"`)
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		return w
	})
	if err != nil {
		slog.ErrorContext(r.Context(), "backup failed", "err", err)
		if size < 0 { // nothing sent yet
			writeStatus(w, status.New(codes.Internal, "internal error"))
		} // else the body falls short of Content-Length: the client sees the failure
		return
	}
	slog.InfoContext(r.Context(), "backup served", "bytes", size, "took_ms", time.Since(start).Milliseconds())
}
