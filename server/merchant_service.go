package server

import (
	"context"
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// BookingReader reads stored bookings.
type BookingReader interface {
	GetBooking(ctx context.Context, id string) (*bsv1.BookingRecord, error)
}

// merchantService implements bookingserver.v1.MerchantService.
type merchantService struct {
	bsv1.UnimplementedMerchantServiceServer
	bookings BookingReader
}

// GetBooking returns one booking.
func (m *merchantService) GetBooking(ctx context.Context, req *bsv1.GetBookingRequest) (*bsv1.GetBookingResponse, error) {
	if req.GetBookingId() == "" {
		return nil, toStatus(ctx, fmt.Errorf("booking_id is required: %w", booking.ErrInvalid))
	}
	rec, err := m.bookings.GetBooking(ctx, req.GetBookingId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.GetBookingResponse{Booking: rec.GetBooking(), Record: rec}, nil
}
