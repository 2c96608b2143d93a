package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/booking"
)

// errorCodes maps each domain error to its gRPC code; the gateway turns the code into
// the HTTP status Google expects (InvalidArgument→400, NotFound→404, AlreadyExists→409,
// …). trim: the sentinel's text ("invalid argument", "conflict") only restates the code,
// so it is cut from the public message; "not found" completes the sentence and stays.
var errorCodes = []struct {
	err  error
	code codes.Code
	trim bool
}{
	{booking.ErrInvalid, codes.InvalidArgument, true},
	{booking.ErrNotFound, codes.NotFound, false},
	{booking.ErrRequestIDReused, codes.AlreadyExists, true},
	{booking.ErrConflict, codes.FailedPrecondition, true},
	{booking.ErrSlotTaken, codes.Aborted, true},
	{booking.ErrNotImplemented, codes.Unimplemented, false},
	{context.Canceled, codes.Canceled, false},
	{context.DeadlineExceeded, codes.DeadlineExceeded, false},
}

// unavailableMessage is the whole public message of ErrUnavailable: what wraps it is a
// dependency's failure (a processor's own error text, addresses), which goes to the log.
const unavailableMessage = "temporarily unavailable; retry later"

// toStatus turns an error from the domain into a gRPC status error. Known errors keep
// their message (it was written for the caller) without the sentinel's suffix; a
// dependency's failure is logged and answered Unavailable with a fixed message; anything
// else is logged and answered with a fixed Internal message so that no internal detail
// leaks.
func toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	if errors.Is(err, booking.ErrUnavailable) {
		slog.WarnContext(ctx, "dependency unavailable", "err", err)
		return status.Error(codes.Unavailable, unavailableMessage)
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			msg := err.Error()
			if e.trim {
				if cut, ok := strings.CutSuffix(msg, ": "+e.err.Error()); ok {
					msg = cut
				}
			}
			return status.Error(e.code, msg)
		}
	}
	slog.ErrorContext(ctx, "internal error", "err", err)
	return status.Error(codes.Internal, "internal error")
}
