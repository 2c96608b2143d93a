package server

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/booking"
)

// errorCodes maps each domain error to its gRPC code; the gateway turns the code into
// the HTTP status Google expects (InvalidArgument→400, NotFound→404, Aborted→409, …).
var errorCodes = []struct {
	err  error
	code codes.Code
}{
	{booking.ErrInvalid, codes.InvalidArgument},
	{booking.ErrNotFound, codes.NotFound},
	{booking.ErrConflict, codes.FailedPrecondition},
	{booking.ErrSlotTaken, codes.Aborted},
	{booking.ErrUnavailable, codes.Unavailable},
	{booking.ErrNotImplemented, codes.Unimplemented},
	{context.Canceled, codes.Canceled},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
}

// toStatus turns an error from the domain into a gRPC status error. Known errors keep
// their message (it was written for the caller); anything else is logged and answered
// with a fixed Internal message so that no internal detail leaks.
func toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return status.Error(e.code, err.Error())
		}
	}
	slog.ErrorContext(ctx, "internal error", "err", err)
	return status.Error(codes.Internal, "internal error")
}
