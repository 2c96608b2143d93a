package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
)

// Tenancy: who may touch which merchant is decided here, once per call, from the
// credential. The admin token is the platform (every merchant); a merchant key is its
// merchant. The decision travels in the context as a booking.Scope, which the core
// checks where it reads a merchant's records; nothing below this file sees a token.

// authorize checks a call's Authorization header value against the route's access
// and returns ctx carrying the caller's scope, or false when the caller may not call.
func (s *Server) authorize(ctx context.Context, a access, authorization string) (context.Context, bool) {
	switch a {
	case accessOpen, accessGoogle:
		return ctx, s.credentials().allowed(a, authorization)
	}
	if s.credentials().CheckBearer(authorization) {
		return booking.WithScope(ctx, booking.PlatformScope()), true
	}
	if a != accessMerchant || s.keys == nil {
		return ctx, false
	}
	key, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return ctx, false
	}
	rec, err := s.keys.Verify(ctx, strings.TrimSpace(key))
	if err != nil {
		if !errors.Is(err, booking.ErrNotFound) {
			slog.ErrorContext(ctx, "check merchant key", "err", err)
		}
		return ctx, false
	}
	return booking.WithScope(ctx, booking.MerchantScope(rec.GetMerchantId())), true
}
