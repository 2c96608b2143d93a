package server

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/booking"
)

func TestToStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err      error
		want     codes.Code
		wantText string
	}{
		{fmt.Errorf("slot_time[0]: %w", booking.ErrInvalid), codes.InvalidArgument, "slot_time[0]"},
		{fmt.Errorf("booking %q: %w", "b1", booking.ErrNotFound), codes.NotFound, `booking "b1": not found`},
		{fmt.Errorf("token reused: %w", booking.ErrConflict), codes.FailedPrecondition, "token reused"},
		{fmt.Errorf("request_id %q was already used for a refund: %w", "x1", booking.ErrRequestIDReused), codes.AlreadyExists, `request_id "x1" was already used for a refund`},
		{fmt.Errorf("x: %w", booking.ErrSlotTaken), codes.Aborted, "x"},
		{booking.ErrInvalid, codes.InvalidArgument, "invalid argument"},
		// A dependency's failure says what to do, never the processor's own words.
		{fmt.Errorf("payment processor: stripe: charge: dial tcp 10.0.0.7:443: connection refused: %w", booking.ErrUnavailable), codes.Unavailable, "temporarily unavailable; retry later"},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), codes.DeadlineExceeded, ""},
		{context.Canceled, codes.Canceled, ""},
		{status.Error(codes.PermissionDenied, "already a status"), codes.PermissionDenied, "already a status"},
		// Unknown errors never leak their text.
		{errors.New("bolt: disk on fire at /var/secret"), codes.Internal, "internal error"},
	}
	for _, tt := range tests {
		got := toStatus(context.Background(), tt.err)
		s, _ := status.FromError(got)
		if s.Code() != tt.want || (tt.wantText != "" && s.Message() != tt.wantText) {
			t.Errorf("toStatus(%v) = %v %q, want %v %q", tt.err, s.Code(), s.Message(), tt.want, tt.wantText)
		}
	}
	if toStatus(context.Background(), nil) != nil {
		t.Error("nil error must stay nil")
	}
}
