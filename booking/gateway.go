package booking

import (
	"context"
	"errors"
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Hosted gateway names; each is also the ledger's processor name of the money it moves.
const (
	// GatewayImoje is imoje (ING, PL): payment links, signed notifications.
	GatewayImoje = "imoje"
	// GatewayWorldline is Worldline Direct: hosted checkout, Bimpli CADO gift cards.
	GatewayWorldline = "worldline"
)

// DefaultGatewayHoldSec is how long a booking awaiting a hosted-gateway payment holds
// its spot: 30 minutes, enough for a paywall and a bank redirect.
const DefaultGatewayHoldSec = 1800

// HostedGateways is what the core needs of the merchants' payment gateway accounts
// (payment/gateways implements it). Calls that move money carry the merchant, since
// every merchant has its own account.
type HostedGateways interface {
	// PlanLegs checks a split tender of total (gift cards first, a card for the rest)
	// and returns its legs; no gift cards means a single payment and no legs. It does
	// no I/O: it runs inside the reserving transaction.
	PlanLegs(gateway string, total Money, giftCards []Money) ([]*bsv1.GatewayLeg, error)
	// Checkout creates the hosted payment of a booking and returns where to send the buyer.
	Checkout(ctx context.Context, req CheckoutRequest) (Checkout, error)
	// PlanRefund splits a refund of amount micros over the legs of a split-tender
	// booking (entries as refundPlan makes them: refund_of names the leg's charge).
	PlanRefund(rec *bsv1.BookingRecord, ledger []*bsv1.LedgerEntry, amount int64) ([]*bsv1.LedgerEntry, error)
	// Refund returns (part of) one charge through the merchant's gateway account.
	Refund(ctx context.Context, merchantID, gateway string, req RefundRequest) (Transaction, error)
	// IdempotentRefunds reports whether gateway answers a refund repeated with the same
	// idempotency key with the refund it already made (Worldline's
	// X-GCS-Idempotence-Key) rather than refunding again (imoje has no such key): only
	// then may a refund whose answer was lost be asked again.
	IdempotentRefunds(gateway string) bool
	// LookupRefund asks gateway which refund, if any, it made for one of ours whose
	// answer was lost: at a gateway without idempotency keys (imoje) asking is the
	// only way to learn the outcome without refunding again.
	LookupRefund(ctx context.Context, merchantID, gateway string, q RefundLookup) (RefundFound, error)
}

// CheckoutRequest asks a gateway for a hosted payment.
type CheckoutRequest struct {
	// MerchantID selects the merchant's account; Gateway the gateway.
	MerchantID, Gateway string
	// BookingID is the order reference the gateway echoes in its webhooks.
	BookingID string
	// Amount is the total to pay.
	Amount Money
	// GiftCards is set when gift cards pay part (Worldline's Bimpli CADO product).
	GiftCards bool
	// User pre-fills the payment page.
	User *acv3.UserInformation
}

// Checkout is a gateway's hosted payment.
type Checkout struct {
	// ID is the gateway's payment (imoje) or hosted checkout (Worldline) id.
	ID string
	// RedirectURL is the gateway's page for the buyer.
	RedirectURL string
}

// isGateway reports whether processor is a hosted gateway's name.
func isGateway(processor string) bool {
	return processor == GatewayImoje || processor == GatewayWorldline
}

// gatewayPlan is the payment plan of an IMOJE or WORLDLINE merchant booking: like a
// cart booking, the spot is held (PENDING_MERCHANT_CONFIRMATION, AWAITING_CART with a
// deadline the cart sweeper enforces) until the gateway's webhook reports the payment.
func (s *Service) gatewayPlan(gateway string, giftCards []Money) func(Tx, Policy, *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) {
	return func(tx Tx, pol Policy, rec *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) {
		b := rec.GetBooking()
		mid := b.GetSlot().GetMerchantId()
		if s.gateways == nil {
			return createFailure(acv3.BookingFailure_PAYMENT_OPTION_NOT_VALID, "payment gateways are not configured on this server (--secrets-key)"), nil
		}
		if _, err := tx.GatewayAccount(mid, gateway); errors.Is(err, ErrNotFound) {
			return createFailure(acv3.BookingFailure_PAYMENT_OPTION_NOT_VALID, fmt.Sprintf("no %s account is configured for merchant %s", gateway, mid)), nil
		} else if err != nil {
			return nil, err
		}
		if pol.Price.Micros <= 0 {
			return createFailure(acv3.BookingFailure_PAYMENT_OPTION_NOT_VALID, "this slot has no price to pay through a gateway"), nil
		}
		legs, err := s.gateways.PlanLegs(gateway, pol.Price, giftCards)
		if err != nil {
			return nil, err
		}
		if fail, err := s.holdLimits(tx, rec); fail != nil || err != nil {
			return fail, err
		}
		rec.Payment = &bsv1.BookingPayment{
			State: bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART, Processor: gateway,
			Currency: pol.Price.Currency, ChargeMicros: pol.Price.Micros, Prepaid: true,
			Cart:    &bsv1.CartPayment{PaymentId: "pay_" + randomHex(12), ExpiresUnix: s.now().Unix() + DefaultGatewayHoldSec},
			Gateway: &bsv1.GatewayPayment{Gateway: gateway, Legs: legs},
		}
		b.Status = acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION
		b.GetPaymentInformation().PaymentProcessedBy = acv3.PaymentProcessedBy_PROCESSED_BY_PARTNER
		return nil, nil
	}
}

// startCheckout creates the gateway payment of a held booking that has none yet, outside
// any transaction and under the booking's lock, and stores its id and redirect URL. A
// gateway error leaves the hold as it is: a replay of the request tries again, and the
// sweeper frees the spot at the deadline.
func (s *Service) startCheckout(ctx context.Context, id string) (*bsv1.BookingRecord, error) {
	unlock, err := s.bookings.LockContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rec, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	g, p := rec.GetPayment().GetGateway(), rec.GetPayment()
	if g == nil || g.GetCheckoutId() != "" || p.GetState() != bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART || !HoldsSpot(rec.GetBooking().GetStatus()) {
		return rec, nil
	}
	co, err := s.gateways.Checkout(ctx, CheckoutRequest{
		MerchantID: rec.GetBooking().GetSlot().GetMerchantId(), Gateway: g.GetGateway(), BookingID: id,
		Amount: Money{Micros: p.GetChargeMicros(), Currency: p.GetCurrency()}, GiftCards: len(g.GetLegs()) > 0,
		User: rec.GetBooking().GetUserInformation(),
	})
	if err != nil {
		return nil, fmt.Errorf("%s checkout: %w", g.GetGateway(), err)
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		if rec, err = tx.Booking(id); err != nil {
			return err
		}
		rec.GetPayment().GetGateway().CheckoutId = co.ID
		rec.GetPayment().GetCart().RedirectUrl = co.RedirectURL
		rec.UpdatedUnix = s.now().Unix()
		return tx.PutBooking(rec)
	})
	return rec, err
}
