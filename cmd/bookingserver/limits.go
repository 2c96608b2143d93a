package main

import (
	"flag"

	"github.com/bookingserver/bookingserver/server"
)

// registerLimits adds the flags of the HTTP limits (server.Limits), defaulting to
// server.DefaultLimits, so an operator can widen or narrow them without a rebuild.
func registerLimits(fs *flag.FlagSet, l *server.Limits) {
	d := server.DefaultLimits()
	fs.DurationVar(&l.ReadTimeout, "read-timeout", d.ReadTimeout, "most time to read a request, headers and body (a trickling body is cut); feed uploads have --feed-read-timeout")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", d.WriteTimeout, "most time to write an answer (backups are not bounded)")
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", d.IdleTimeout, "close a keep-alive connection (HTTP or gRPC) idle this long")
	fs.IntVar(&l.MaxHeaderBytes, "max-header-bytes", d.MaxHeaderBytes, "largest request line and headers (431 beyond)")
	fs.Int64Var(&l.MaxBodyBytes, "max-body-bytes", d.MaxBodyBytes, "largest request body on every route but feed uploads (413 beyond); Google's calls need about 1 MB")
	fs.DurationVar(&l.FeedReadTimeout, "feed-read-timeout", d.FeedReadTimeout, "most time to read a feed upload (POST /v1/feeds/{kind})")
}
