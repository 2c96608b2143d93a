package server

import (
	"context"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/gateways"
)

// merchantService implements bookingserver.v1.MerchantService.
type merchantService struct {
	bsv1.UnimplementedMerchantServiceServer
	core  *booking.Service
	feeds FeedLoader
	// gateways are the merchants' gateway accounts; nil without --secrets-key.
	gateways *gateways.Registry
	// notifications is the outbox the operator inspects; nil answers Unavailable.
	notifications Notifications
}

// view returns a function that builds the merchant's view of a booking record with its
// ledger, mapping a domain error; it takes a core call's two results directly.
func (m *merchantService) view(ctx context.Context) func(*bsv1.BookingRecord, error) (*bsv1.BookingView, error) {
	return func(rec *bsv1.BookingRecord, err error) (*bsv1.BookingView, error) {
		return m.buildView(ctx, rec, err)
	}
}

func (m *merchantService) buildView(ctx context.Context, rec *bsv1.BookingRecord, err error) (*bsv1.BookingView, error) {
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	ledger, err := m.core.Ledger(ctx, rec.GetBooking().GetBookingId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.BookingView{Booking: rec.GetBooking(), Record: rec, Ledger: ledger}, nil
}

// GetBooking returns one booking with its ledger.
func (m *merchantService) GetBooking(ctx context.Context, req *bsv1.GetBookingRequest) (*bsv1.GetBookingResponse, error) {
	v, err := m.view(ctx)(m.core.Get(ctx, req.GetBookingId()))
	return &bsv1.GetBookingResponse{View: v}, err
}

// MarkNoShow records a no-show and charges the no-show fee where the policy has one.
func (m *merchantService) MarkNoShow(ctx context.Context, req *bsv1.MarkNoShowRequest) (*bsv1.MarkNoShowResponse, error) {
	v, err := m.view(ctx)(m.core.MarkNoShow(ctx, req.GetBookingId(), req.GetRequestId()))
	return &bsv1.MarkNoShowResponse{View: v}, err
}

// CancelBooking cancels on the merchant's side with a full refund.
func (m *merchantService) CancelBooking(ctx context.Context, req *bsv1.CancelBookingRequest) (*bsv1.CancelBookingResponse, error) {
	v, err := m.view(ctx)(m.core.MerchantCancel(ctx, req.GetBookingId(), req.GetRequestId()))
	return &bsv1.CancelBookingResponse{View: v}, err
}

// RefundBooking refunds part or all of what was captured.
func (m *merchantService) RefundBooking(ctx context.Context, req *bsv1.RefundBookingRequest) (*bsv1.RefundBookingResponse, error) {
	amount := booking.Money{Micros: req.GetAmount().GetPriceMicros(), Currency: req.GetAmount().GetCurrencyCode()}
	v, err := m.view(ctx)(m.core.Refund(ctx, req.GetBookingId(), req.GetRequestId(), amount, req.GetReason()))
	return &bsv1.RefundBookingResponse{View: v}, err
}

// ConfirmBooking confirms a booking that awaits the merchant (asynchronous slot).
func (m *merchantService) ConfirmBooking(ctx context.Context, req *bsv1.ConfirmBookingRequest) (*bsv1.ConfirmBookingResponse, error) {
	v, err := m.view(ctx)(m.core.Confirm(ctx, req.GetBookingId(), req.GetRequestId()))
	return &bsv1.ConfirmBookingResponse{View: v}, err
}

// DeclineBooking declines a booking that awaits the merchant and releases its spot.
func (m *merchantService) DeclineBooking(ctx context.Context, req *bsv1.DeclineBookingRequest) (*bsv1.DeclineBookingResponse, error) {
	v, err := m.view(ctx)(m.core.Decline(ctx, req.GetBookingId(), req.GetRequestId()))
	return &bsv1.DeclineBookingResponse{View: v}, err
}
