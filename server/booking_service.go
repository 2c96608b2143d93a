package server

import (
	"context"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/metrics"
)

// bookingService implements Google's v3 BookingService: decode, call the booking core,
// map the error, return. CreateLease answers Unimplemented (HTTP 501) through the
// embedded type: v3 leases are optional and not offered.
type bookingService struct {
	acv3.UnimplementedBookingServiceServer
	core    *booking.Service
	metrics *metrics.Metrics
}

// HealthCheck answers 200 with an empty body.
func (*bookingService) HealthCheck(context.Context, *acv3.HealthCheckRequest) (*acv3.HealthCheckResponse, error) {
	return &acv3.HealthCheckResponse{}, nil
}

// BatchAvailabilityLookup answers one availability per requested slot time.
func (s *bookingService) BatchAvailabilityLookup(ctx context.Context, req *acv3.BatchAvailabilityLookupRequest) (*acv3.BatchAvailabilityLookupResponse, error) {
	resp, err := s.core.BatchAvailability(ctx, req)
	observeBatchAvailability(s.metrics, req, resp)
	return resp, toStatus(ctx, err)
}

// CheckAvailability answers the open spot count of one slot.
func (s *bookingService) CheckAvailability(ctx context.Context, req *acv3.CheckAvailabilityRequest) (*acv3.CheckAvailabilityResponse, error) {
	resp, err := s.core.CheckAvailability(ctx, req)
	observeCheckAvailability(s.metrics, resp, err)
	return resp, toStatus(ctx, err)
}

// CreateBooking books a slot.
func (s *bookingService) CreateBooking(ctx context.Context, req *acv3.CreateBookingRequest) (*acv3.CreateBookingResponse, error) {
	resp, err := s.core.Create(ctx, req)
	observeBooking(s.metrics, "CreateBooking", resp.GetBookingFailure(), err)
	return resp, toStatus(ctx, err)
}

// UpdateBooking cancels or reschedules a booking.
func (s *bookingService) UpdateBooking(ctx context.Context, req *acv3.UpdateBookingRequest) (*acv3.UpdateBookingResponse, error) {
	resp, err := s.core.Update(ctx, req)
	observeBooking(s.metrics, "UpdateBooking", resp.GetBookingFailure(), err)
	return resp, toStatus(ctx, err)
}

// GetBookingStatus returns a booking's status.
func (s *bookingService) GetBookingStatus(ctx context.Context, req *acv3.GetBookingStatusRequest) (*acv3.GetBookingStatusResponse, error) {
	resp, err := s.core.Status(ctx, req.GetBookingId())
	return resp, toStatus(ctx, err)
}

// ListBookings returns a user's upcoming bookings.
func (s *bookingService) ListBookings(ctx context.Context, req *acv3.ListBookingsRequest) (*acv3.ListBookingsResponse, error) {
	resp, err := s.core.List(ctx, req.GetUserId())
	return resp, toStatus(ctx, err)
}
