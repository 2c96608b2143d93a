package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// newRequestID returns a random 16-hex-digit id for logs.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestID is the id a call is logged under: the caller's (X-Request-Id), or a new
// one when it gives none or one too long to log.
func requestID(given string) string {
	if given == "" || len(given) > 64 {
		return newRequestID()
	}
	return given
}

func firstMD(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// unaryInterceptor logs each call (method, code, latency, request id; never the
// payload or credentials), turns a panic into Internal, and enforces authentication.
func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	md, _ := metadata.FromIncomingContext(ctx)
	id := requestID(firstMD(md, "x-request-id"))
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			slog.ErrorContext(ctx, "panic in handler", "method", info.FullMethod, "request_id", id, "panic", p, "stack", string(debug.Stack()))
			resp, err = nil, status.Error(codes.Internal, "internal error")
		}
		code := status.Code(err)
		s.logCall(ctx, "grpc", info.FullMethod, id, code.String(), code == codes.Internal || code == codes.Unknown, start)
	}()
	ctx, ok := s.authorize(ctx, grpcAccess(info.FullMethod, s.grpcLoopback), firstMD(md, "authorization"))
	if !ok {
		return nil, status.Error(codes.Unauthenticated, "missing or wrong credentials")
	}
	return handler(ctx, req)
}

// streamInterceptor authenticates streaming calls (reflection, health Watch; the
// merchant API has none, so no scope is passed on).
func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	md, _ := metadata.FromIncomingContext(ss.Context())
	if _, ok := s.authorize(ss.Context(), grpcAccess(info.FullMethod, s.grpcLoopback), firstMD(md, "authorization")); !ok {
		return status.Error(codes.Unauthenticated, "missing or wrong credentials")
	}
	return handler(srv, ss)
}

// logCall writes one structured line per call and records the call in the RPC
// metrics. Failures (a server fault) are logged at error level, other calls at info,
// except the successful calls of quietMethods, at debug: Google polls health and
// availability many times a second, every one is counted and timed in the metrics
// already, and formatting a line for each cost a twelfth of a lookup's server time.
// Mutations and every non-OK answer stay at info, for the audit trail. The line is
// built only when the level is enabled.
func (s *Server) logCall(ctx context.Context, transport, method, id, code string, failed bool, start time.Time) {
	elapsed := time.Since(start)
	s.metrics.ObserveRPC(transport, metricsMethod(transport, method), code, elapsed)
	level := slog.LevelInfo
	switch {
	case failed:
		level = slog.LevelError
	case quietMethods[method] && (code == "OK" || code == "200"):
		level = slog.LevelDebug
	}
	logger := slog.Default()
	if !logger.Enabled(ctx, level) {
		return
	}
	logger.LogAttrs(ctx, level, "call", slog.String("transport", transport), slog.String("method", method),
		slog.String("code", code), slog.Float64("latency_ms", float64(elapsed.Microseconds())/1000), slog.String("request_id", id))
}

// quietMethods are the read-only, high-rate calls (health checks and availability
// lookups, over gRPC and REST) whose successes logCall writes at debug level.
var quietMethods = map[string]bool{
	healthpb.Health_Check_FullMethodName:                       true,
	acv3.BookingService_HealthCheck_FullMethodName:             true,
	acv3.BookingService_BatchAvailabilityLookup_FullMethodName: true,
	acv3.BookingService_CheckAvailability_FullMethodName:       true,
	"GET /healthz":                     true,
	"GET /metrics":                     true,
	"GET /v3/HealthCheck":              true,
	"POST /v3/HealthCheck":             true,
	"POST /v3/BatchAvailabilityLookup": true,
	"POST /v3/CheckAvailability":       true,
}
