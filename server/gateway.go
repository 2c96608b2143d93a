package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// JSONOptions are the protojson options of the REST surface, as Google's v3 clients
// expect: snake_case proto names and int64 as strings out; both name styles in; unknown
// fields ignored so that a newer Google client does not break us.
var JSONOptions = runtime.JSONPb{
	MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true},
	UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: true},
}

// newGatewayMux builds the REST gateway over the in-process service implementations.
func (s *Server) newGatewayMux(ctx context.Context) (*runtime.ServeMux, error) {
	mux := runtime.NewServeMux(runtime.WithMarshalerOption(runtime.MIMEWildcard, restMarshaler{&JSONOptions}),
		runtime.WithMiddlewares(probeMiddleware), runtime.WithRoutingErrorHandler(routingError))
	registrations := []func(context.Context, *runtime.ServeMux) error{
		func(ctx context.Context, m *runtime.ServeMux) error {
			return acv3.RegisterBookingServiceHandlerServer(ctx, m, s.bookingService)
		},
		func(ctx context.Context, m *runtime.ServeMux) error {
			return bsv1.RegisterMerchantServiceHandlerServer(ctx, m, s.merchantService)
		},
		func(ctx context.Context, m *runtime.ServeMux) error {
			return bsv1.RegisterMerchantKeyServiceHandlerServer(ctx, m, s.keyService)
		},
	}
	for _, register := range registrations {
		if err := register(ctx, mux); err != nil {
			return nil, fmt.Errorf("register gateway handler: %w", err)
		}
	}
	return mux, nil
}

// httpHandler is everything the HTTP listener serves, behind authentication, logging
// and panic recovery.
func (s *Server) httpHandler(gateway http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("POST /v1/feeds/{kind}", s.feedUploadHandler)
	mux.HandleFunc("GET /v1/backup", s.backupHandler)
	mux.HandleFunc("GET /v1/feeds/{feed}", s.feedExportHandler)
	mux.HandleFunc("POST /v1/feeds:publish", s.publishHandler)
	mux.HandleFunc("GET /v1/feeds/publications", s.publicationsHandler)
	mux.HandleFunc("POST /v1/webhooks/{gateway}/{merchant_id}", s.webhookHandler)
	mux.Handle("GET /metrics", s.metrics.Handler())
	if s.ui != nil {
		mux.Handle("/ui/", s.ui)
	}
	mux.Handle("/", gateway)
	return s.httpMiddleware(mux)
}

// statusRecorder remembers the status code written, for the log line.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (per-route deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// httpMiddleware normalizes the path (Google's docs print /v3/CreateBooking/ with a
// trailing slash), authenticates, logs and recovers from panics.
func (s *Server) httpMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, id := r.Context(), requestID(r.Header.Get("X-Request-Id"))
		w.Header().Set("X-Request-Id", id)
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				slog.ErrorContext(ctx, "panic in handler", "path", r.URL.Path, "request_id", id, "panic", p, "stack", string(debug.Stack()))
				http.Error(rec, `{"code":13,"message":"internal error"}`, http.StatusInternalServerError)
			}
			s.logCall(ctx, "http", r.Method+" "+r.URL.Path, id, strconv.Itoa(rec.code), rec.code >= 500, start)
		}()
		if len(r.URL.Path) > 1 && strings.HasSuffix(r.URL.Path, "/") && !strings.HasPrefix(r.URL.Path, "/ui/") {
			r.URL.Path = strings.TrimSuffix(r.URL.Path, "/")
			r.URL.RawPath = ""
		}
		a := httpAccess(r.URL.Path, s.httpLoopback)
		ctx, ok := s.authorize(ctx, a, r.Header.Get("Authorization"))
		if !ok {
			scheme := `Basic realm="bookingserver"`
			if a == accessMerchant || a == accessAdmin {
				scheme = `Bearer realm="bookingserver-merchant"`
			}
			rec.Header().Set("WWW-Authenticate", scheme)
			rec.Header().Set("Content-Type", "application/json")
			rec.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintln(rec, `{"code":16,"message":"missing or wrong credentials"}`)
			return
		}
		r = r.WithContext(ctx)
		if !s.cfg.Limits.capBody(rec, r) {
			return
		}
		next.ServeHTTP(rec, r)
	})
}
