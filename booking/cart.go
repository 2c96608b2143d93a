package booking

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// CartProcessor is the ledger's processor name for payments collected in the
// merchant's web shop cart.
const CartProcessor = "cart"

// CartBookingData is the booking_data query parameter of a cart redirect URL, before
// JSON and base64 (standard alphabet, padded): what the shop needs to add the booking
// to its cart and report the payment. The README documents it; fields are only added.
type CartBookingData struct {
	// APIBookingID is the booking id (PUT /v1/bookings/{booking_id}/…).
	APIBookingID string `json:"apiBookingId"`
	// PaymentID is the payment id (…/payments/{payment_id}).
	PaymentID string `json:"paymentId"`
	// ProductID is the shop's product id of the service.
	ProductID string `json:"productId"`
	// Amount is the amount to collect as a decimal string ("25.00").
	Amount string `json:"amount"`
	// AmountMicros is the same amount in micros.
	AmountMicros int64 `json:"amountMicros"`
	// Currency is the ISO 4217 code.
	Currency string `json:"currency"`
	// MerchantID and ServiceID name the service booked.
	MerchantID string `json:"merchantId"`
	ServiceID  string `json:"serviceId"`
	// StartTime is the slot start, RFC 3339 UTC; StartSec the same in Unix seconds.
	StartTime string `json:"startTime"`
	StartSec  int64  `json:"startSec"`
	// DurationSec is the slot length.
	DurationSec int64 `json:"durationSec"`
	// ExpiresAt is when the unpaid booking is cancelled, RFC 3339 UTC.
	ExpiresAt string `json:"expiresAt"`
	// PolicyText is the cancellation policy to show the customer.
	PolicyText string `json:"policyText"`
}

// cartPlan is the payment plan of a CART booking: the spot is held
// (PENDING_MERCHANT_CONFIRMATION, payment AWAITING_CART) until the shop reports the
// payment or cart.expires_unix passes.
func (s *Service) cartPlan(tx Tx, _ Policy, rec *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) {
	b := rec.GetBooking()
	mid, sid := b.GetSlot().GetMerchantId(), b.GetSlot().GetServiceId()
	mc, err := tx.MerchantCart(mid)
	if errors.Is(err, ErrNotFound) {
		return createFailure(acv3.BookingFailure_PAYMENT_OPTION_NOT_VALID, "cart payment is not configured for merchant "+mid), nil
	}
	if err != nil {
		return nil, err
	}
	sc, err := tx.ServiceCart(mid, sid)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if !sc.GetEnabled() {
		return createFailure(acv3.BookingFailure_PAYMENT_OPTION_NOT_VALID, "cart payment is not enabled for service "+sid), nil
	}
	if fail, err := s.holdLimits(tx, rec); fail != nil || err != nil {
		return fail, err
	}
	cart := &bsv1.CartPayment{
		PaymentId:   "pay_" + randomHex(12),
		ProductId:   sc.GetProductId(),
		ExpiresUnix: s.now().Unix() + mc.GetAutoCancelAfterSec(),
		PolicyText:  sc.GetPolicyText(),
	}
	rec.Payment = &bsv1.BookingPayment{
		State: bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART, Processor: CartProcessor,
		Currency: sc.GetAmount().GetCurrencyCode(), ChargeMicros: sc.GetAmount().GetPriceMicros(), Prepaid: true, Cart: cart,
	}
	if cart.RedirectUrl, err = redirectURL(mc.GetCallbackUrl(), bookingData(rec)); err != nil {
		return nil, err
	}
	b.Status = acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION
	b.GetPaymentInformation().PaymentProcessedBy = acv3.PaymentProcessedBy_PROCESSED_BY_PARTNER
	return nil, nil
}

// bookingData is the booking_data of a cart booking.
func bookingData(rec *bsv1.BookingRecord) CartBookingData {
	b, p := rec.GetBooking(), rec.GetPayment()
	utc := func(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }
	return CartBookingData{
		APIBookingID: b.GetBookingId(), PaymentID: p.GetCart().GetPaymentId(), ProductID: p.GetCart().GetProductId(),
		Amount: decimal(p.GetChargeMicros()), AmountMicros: p.GetChargeMicros(), Currency: p.GetCurrency(),
		MerchantID: b.GetSlot().GetMerchantId(), ServiceID: b.GetSlot().GetServiceId(),
		StartTime: utc(b.GetSlot().GetStartSec()), StartSec: b.GetSlot().GetStartSec(), DurationSec: b.GetSlot().GetDurationSec(),
		ExpiresAt: utc(p.GetCart().GetExpiresUnix()), PolicyText: p.GetCart().GetPolicyText(),
	}
}

// redirectURL is callback with booking_data = base64(JSON(d)) added to its query.
func redirectURL(callback string, d CartBookingData) (string, error) {
	u, err := url.Parse(callback)
	if err != nil {
		return "", fmt.Errorf("stored callback URL: %w", err)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("booking_data", base64.StdEncoding.EncodeToString(raw))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// decimal formats micros as a decimal with at least two fraction digits ("25.00",
// "12.345").
func decimal(micros int64) string {
	sign := ""
	if micros < 0 {
		sign, micros = "-", -micros
	}
	frac := strings.TrimRight(fmt.Sprintf("%06d", micros%1_000_000), "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return fmt.Sprintf("%s%d.%s", sign, micros/1_000_000, frac)
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
