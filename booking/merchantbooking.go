package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// ErrNotImplemented: the request names a feature that exists in the API but not yet
// in this server.
var ErrNotImplemented = errors.New("not implemented")

// Payment methods of a merchant-channel booking.
const (
	// PaymentCart: the customer pays in the merchant's web shop cart; the spot is held
	// until the shop reports the payment or the hold expires.
	PaymentCart = "CART"
	// PaymentNone: the booking is confirmed at once; we collect nothing (the merchant
	// takes payment its own way).
	PaymentNone = "NONE"
	// PaymentImoje and PaymentWorldline: the customer pays on the gateway's hosted page;
	// the spot is held until the gateway's webhook reports the payment or the hold
	// expires.
	PaymentImoje, PaymentWorldline = "IMOJE", "WORLDLINE"
)

// merchantTokenPrefix keeps the merchant's request ids apart from Google's idempotency
// tokens in the one idempotency bucket.
const merchantTokenPrefix = "merchant:"

// MerchantBookingRequest is a booking from the merchant's own channel.
type MerchantBookingRequest struct {
	// Slot and User are as in CreateBooking; User.UserId is required.
	Slot *acv3.Slot
	User *acv3.UserInformation
	// PaymentMethod is PaymentCart, PaymentNone, PaymentImoje or PaymentWorldline.
	PaymentMethod string
	// GiftCards (PaymentWorldline only) are what each Bimpli CADO gift card pays; a card
	// pays the rest.
	GiftCards []Money
	// RequestID is the merchant's idempotency key.
	RequestID string
}

// MerchantBooking answers a merchant-channel booking: the booking or the failure, and
// for a cart booking the payment id and the shop's redirect URL.
type MerchantBooking struct {
	// Booking is the booking (nil on failure).
	Booking *acv3.Booking
	// Failure says why no booking was made.
	Failure *acv3.BookingFailure
	// PaymentID and RedirectURL are set for a cart booking (the shop's URL) and a
	// gateway booking (the gateway's page).
	PaymentID, RedirectURL string
}

// CreateMerchantBooking books from the merchant's channel through the same core as
// Create: the request id plays the role of Google's idempotency token (a replay gets
// the first answer; a reused id with another request is ErrConflict), capacity is
// taken in the same transaction, and the booking is CHANNEL_MERCHANT so Google is never
// notified of it.
func (s *Service) CreateMerchantBooking(ctx context.Context, r MerchantBookingRequest) (MerchantBooking, error) {
	method := strings.ToUpper(r.PaymentMethod)
	o := origin{channel: bsv1.Channel_CHANNEL_MERCHANT, salt: method}
	switch method {
	case PaymentCart:
		o.plan = s.cartPlan
	case PaymentNone:
		o.plan = func(Tx, Policy, *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) { return nil, nil }
	case PaymentImoje, PaymentWorldline:
		o.plan = s.gatewayPlan(strings.ToLower(method), r.GiftCards)
	default:
		return MerchantBooking{}, fmt.Errorf("payment_method must be CART, NONE, IMOJE or WORLDLINE, not %q: %w", r.PaymentMethod, ErrInvalid)
	}
	if len(r.GiftCards) > 0 {
		if method != PaymentWorldline {
			return MerchantBooking{}, fmt.Errorf("gift_cards are taken with payment_method WORLDLINE only: %w", ErrInvalid)
		}
		o.salt += giftCardSalt(r.GiftCards)
	}
	if r.RequestID == "" {
		return MerchantBooking{}, fmt.Errorf("request_id is required: %w", ErrInvalid)
	}
	merchantID := r.Slot.GetMerchantId()
	if err := ScopeOf(ctx).Check(merchantID, fmt.Sprintf("merchant %q", merchantID)); err != nil {
		return MerchantBooking{}, err
	}
	// Request ids are the merchant's own: two merchants may use the same one.
	req := &acv3.CreateBookingRequest{Slot: r.Slot, UserInformation: r.User, IdempotencyToken: merchantToken(merchantID, r.RequestID)}
	resp, err := s.create(ctx, req, o)
	if err != nil {
		return MerchantBooking{}, err
	}
	out := MerchantBooking{Booking: resp.GetBooking(), Failure: resp.GetBookingFailure()}
	if out.Booking == nil {
		return out, nil
	}
	// The record keeps the cart's payment id and redirect URL, so a replay answers them too.
	rec, err := s.startCheckout(ctx, out.Booking.GetBookingId())
	if err != nil {
		return MerchantBooking{}, err
	}
	out.PaymentID, out.RedirectURL = rec.GetPayment().GetCart().GetPaymentId(), rec.GetPayment().GetCart().GetRedirectUrl()
	return out, nil
}

// giftCardSalt adds the gift cards to the request hash, so a replay with other cards
// is a conflict rather than the first answer.
func giftCardSalt(cards []Money) string {
	var b strings.Builder
	for _, c := range cards {
		fmt.Fprintf(&b, ";gift:%d:%s", c.Micros, c.Currency)
	}
	return b.String()
}
