package server

import (
	"context"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// The merchant channel and cart payment RPCs of bookingserver.v1.MerchantService.

// CreateMerchantBooking books from the merchant's own channel.
func (m *merchantService) CreateMerchantBooking(ctx context.Context, req *bsv1.CreateMerchantBookingRequest) (*bsv1.CreateMerchantBookingResponse, error) {
	out, err := m.core.CreateMerchantBooking(ctx, booking.MerchantBookingRequest{
		Slot: req.GetSlot(), User: req.GetUserInformation(), PaymentMethod: req.GetPaymentMethod(), RequestID: req.GetRequestId(),
		GiftCards: giftCards(req.GetGiftCards()),
	})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.CreateMerchantBookingResponse{Booking: out.Booking, PaymentId: out.PaymentID, RedirectUrl: out.RedirectURL, BookingFailure: out.Failure}, nil
}

// UpdateMerchantBooking cancels a merchant-channel booking.
func (m *merchantService) UpdateMerchantBooking(ctx context.Context, req *bsv1.UpdateMerchantBookingRequest) (*bsv1.UpdateMerchantBookingResponse, error) {
	v, err := m.view(ctx)(m.core.CancelMerchantBooking(ctx, req.GetBookingId(), req.GetStatus()))
	return &bsv1.UpdateMerchantBookingResponse{View: v}, err
}

// UpdateCartPayment records a payment collected in the shop's cart.
func (m *merchantService) UpdateCartPayment(ctx context.Context, req *bsv1.UpdateCartPaymentRequest) (*bsv1.UpdateCartPaymentResponse, error) {
	amount := booking.Money{Micros: req.GetAmount().GetPriceMicros(), Currency: req.GetAmount().GetCurrencyCode()}
	v, err := m.view(ctx)(m.core.CollectCartPayment(ctx, req.GetBookingId(), req.GetPaymentId(), req.GetStatus(), amount, req.GetReference()))
	return &bsv1.UpdateCartPaymentResponse{View: v}, err
}

// ListMerchantBookings lists the bookings in a state.
func (m *merchantService) ListMerchantBookings(ctx context.Context, req *bsv1.ListMerchantBookingsRequest) (*bsv1.ListMerchantBookingsResponse, error) {
	recs, err := m.core.ListByState(ctx, req.GetState())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	resp := &bsv1.ListMerchantBookingsResponse{}
	for _, rec := range recs {
		v, err := m.buildView(ctx, rec, nil)
		if err != nil {
			return nil, err
		}
		resp.Views = append(resp.Views, v)
	}
	return resp, nil
}

// SetMerchantCart sets a merchant's cart configuration.
func (m *merchantService) SetMerchantCart(ctx context.Context, req *bsv1.SetMerchantCartRequest) (*bsv1.SetMerchantCartResponse, error) {
	c, err := m.core.SetMerchantCart(ctx, &bsv1.MerchantCart{
		MerchantId: req.GetMerchantId(), CallbackUrl: req.GetCallbackUrl(), AutoCancelAfterSec: req.GetAutoCancelAfterSec(),
	})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.SetMerchantCartResponse{Cart: c}, nil
}

// SetServiceCart sets a service's cart payment configuration.
func (m *merchantService) SetServiceCart(ctx context.Context, req *bsv1.SetServiceCartRequest) (*bsv1.SetServiceCartResponse, error) {
	c, err := m.core.SetServiceCart(ctx, &bsv1.ServiceCart{
		MerchantId: req.GetMerchantId(), ServiceId: req.GetServiceId(), Enabled: req.GetEnabled(),
		ProductId: req.GetProductId(), Amount: req.GetAmount(), PolicyText: req.GetPolicyText(),
	})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.SetServiceCartResponse{Cart: c}, nil
}
