package server

import (
	"context"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// bookingService implements Google's v3 BookingService. Methods not yet built answer
// Unimplemented (HTTP 501) through the embedded type rather than a wrong answer.
type bookingService struct {
	acv3.UnimplementedBookingServiceServer
}

// HealthCheck answers 200 with an empty body.
func (*bookingService) HealthCheck(context.Context, *acv3.HealthCheckRequest) (*acv3.HealthCheckResponse, error) {
	return &acv3.HealthCheckResponse{}, nil
}
