package server

import (
	"context"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// merchantService implements bookingserver.v1.MerchantService.
type merchantService struct {
	bsv1.UnimplementedMerchantServiceServer
	core  *booking.Service
	feeds FeedLoader
}

// GetBooking returns one booking.
func (m *merchantService) GetBooking(ctx context.Context, req *bsv1.GetBookingRequest) (*bsv1.GetBookingResponse, error) {
	rec, err := m.core.Get(ctx, req.GetBookingId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.GetBookingResponse{Booking: rec.GetBooking(), Record: rec}, nil
}
