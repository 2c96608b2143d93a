package booking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

func priceProto(m Money) *acv3.Price {
	return &acv3.Price{PriceMicros: m.Micros, CurrencyCode: m.Currency}
}

// paymentInformation is what a booking reports of its money before anything is paid:
// the price exactly as the feed says, and the deposit and no-show fee that apply.
func paymentInformation(pol Policy) *acv3.PaymentInformation {
	pi := &acv3.PaymentInformation{
		PrepaymentStatus: acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED,
		Price:            priceProto(pol.Price),
		PaymentOptionId:  pol.PaymentOptionID,
	}
	if pol.Taxed {
		pi.TaxAmount = priceProto(pol.Tax)
	}
	if pol.Prepay || pol.Deposit.Micros > 0 || pol.NoShowFee.Micros > 0 {
		pi.PaymentProcessedBy = acv3.PaymentProcessedBy_PROCESSED_BY_PARTNER
		pi.Deposit = pol.Feed.Deposit
		pi.NoShowFee = pol.Feed.NoShowFee
	}
	return pi
}

// googleToken is the token Google sent: the unparsed Google Pay token, else the
// deprecated single-use token.
func googleToken(req *acv3.CreateBookingRequest) string {
	if t := req.GetPaymentProcessingParameters().GetUnparsedPaymentMethodToken(); t != "" {
		return t
	}
	return req.GetPaymentProcessingParameters().GetPaymentMethodToken()
}

// paymentPlan decides what the processor must do for a new booking, or the failure to
// answer when it cannot be done (no token, unreadable token, no processor).
func (s *Service) paymentPlan(pol Policy, req *acv3.CreateBookingRequest, b *acv3.Booking) (*bsv1.BookingPayment, *acv3.CreateBookingResponse) {
	raw := googleToken(req)
	if raw == "" {
		return nil, createFailure(acv3.BookingFailure_PAYMENT_ERROR, "this slot needs a card: payment_processing_parameters carries no token")
	}
	if s.processor == nil {
		return nil, createFailure(acv3.BookingFailure_PAYMENT_ERROR, "no payment processor is configured")
	}
	token, err := s.parseToken(raw)
	if err != nil {
		return nil, createFailure(acv3.BookingFailure_PAYMENT_ERROR, "unreadable payment token: "+err.Error())
	}
	charge := pol.ChargeNow()
	p := &bsv1.BookingPayment{
		State:           bsv1.PaymentState_PAYMENT_STATE_PENDING,
		Processor:       s.processor.Name(),
		Token:           token,
		Currency:        pol.Price.Currency,
		ChargeMicros:    charge.Micros,
		Prepaid:         pol.Prepay,
		SaveCard:        pol.SavesCard(),
		NoShowFeeMicros: pol.NoShowFee.Micros,
		DepositMicros:   pol.Deposit.Micros,
	}
	if pol.Deposit.Micros > 0 {
		p.DepositRefundableUntilUnix = b.GetSlot().GetStartSec() - pol.DepositRefundableSec
	}
	return p, nil
}

// cardPlan is the payment plan of Google's bookings: a card payment when the policy
// needs one (the booking is PENDING until settle), nothing otherwise.
func (s *Service) cardPlan(req *acv3.CreateBookingRequest) func(Tx, Policy, *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) {
	return func(_ Tx, pol Policy, rec *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) {
		if !pol.NeedsCard() {
			return nil, nil
		}
		var fail *acv3.CreateBookingResponse
		if rec.Payment, fail = s.paymentPlan(pol, req, rec.GetBooking()); fail != nil {
			return fail, nil
		}
		rec.GetBooking().Status = acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION
		return nil, nil
	}
}

// paid is the processor's result for a pending payment.
type paid struct {
	card   SavedCard
	charge Transaction
}

// pay makes the processor calls of a pending payment. The idempotency keys are derived
// from the booking id, which is new for every CreateBooking attempt: a retry of the
// same attempt (replay, crash recovery) cannot move money twice, and a new attempt is
// never answered with an old decline.
func (s *Service) pay(ctx context.Context, rec *bsv1.BookingRecord) (paid, error) {
	p, id := rec.GetPayment(), rec.GetBooking().GetBookingId()
	var out paid
	var err error
	if p.GetSaveCard() {
		out.card, err = s.processor.SaveCard(ctx, SaveCardRequest{
			Token: p.GetToken(), Email: rec.GetBooking().GetUserInformation().GetEmail(),
			IdempotencyKey: id + ":save-card", BookingID: id,
		})
		if err != nil {
			return out, err
		}
	}
	if p.GetChargeMicros() == 0 {
		return out, nil
	}
	amount := Money{Micros: p.GetChargeMicros(), Currency: p.GetCurrency()}
	desc := "booking " + id
	if p.GetSaveCard() {
		out.charge, err = s.processor.ChargeSaved(ctx, ChargeSavedRequest{Card: out.card, Amount: amount, IdempotencyKey: id + ":charge", BookingID: id, Description: desc})
	} else {
		out.charge, err = s.processor.Charge(ctx, ChargeRequest{Token: p.GetToken(), Amount: amount, IdempotencyKey: id + ":charge", BookingID: id, Description: desc})
	}
	return out, err
}

// settle finishes a pending booking: pays, then in one transaction either confirms it
// (ledger, payment_information, the stored answer) or, on a decline, deletes it and
// frees its spot. A technical failure leaves it pending for a replay or the start-up
// recovery, and answers Unavailable so that Google retries.
func (s *Service) settle(ctx context.Context, pending *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error) {
	id := pending.GetBooking().GetBookingId()
	result, payErr := s.pay(ctx, pending)
	if payErr != nil && !errors.Is(payErr, ErrDeclined) {
		slog.WarnContext(ctx, "payment not settled; the booking stays pending for a retry", "booking_id", id, "err", payErr)
		return nil, fmt.Errorf("payment processor: %v: %w", payErr, ErrUnavailable)
	}
	var resp *acv3.CreateBookingResponse
	err := s.store.Update(ctx, func(tx Tx) error {
		resp = nil
		rec, err := tx.Booking(id)
		if err != nil {
			return err
		}
		token := rec.GetIdempotencyToken()
		prior, err := tx.Idempotency(token)
		if err != nil {
			return err
		}
		if rec.GetPayment().GetState() != bsv1.PaymentState_PAYMENT_STATE_PENDING {
			resp = storedResponse(prior) // settled meanwhile
			return nil
		}
		if payErr != nil {
			resp = declined(payErr)
			if err := ChangeSpots(tx, rec.GetSlotKey(), -1); err != nil {
				return err
			}
			if err := tx.DeleteIdempotency(token); err != nil {
				return err
			}
			return tx.DeleteBooking(rec)
		}
		if err := s.confirmPaid(tx, rec, result); err != nil {
			return err
		}
		resp, err = s.succeed(tx, token, prior.GetRequestSha256(), rec.GetBooking())
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// declined is the answer to a declined card.
func declined(err error) *acv3.CreateBookingResponse {
	var d *DeclineError
	if errors.As(err, &d) && d.CardTypeRejected {
		return createFailure(acv3.BookingFailure_PAYMENT_ERROR_CARD_TYPE_REJECTED, err.Error())
	}
	return createFailure(acv3.BookingFailure_PAYMENT_ERROR_CARD_DECLINED, err.Error())
}

// confirmPaid records a settled payment on rec and in the ledger.
func (s *Service) confirmPaid(tx Tx, rec *bsv1.BookingRecord, result paid) error {
	p, b := rec.GetPayment(), rec.GetBooking()
	now := s.now().Unix()
	p.State = bsv1.PaymentState_PAYMENT_STATE_SETTLED
	p.Token = "" // single-use and spent: nothing card-related stays on disk but ids
	p.CustomerId, p.PaymentMethodId = result.card.CustomerID, result.card.PaymentMethodID
	pi := b.GetPaymentInformation()
	if p.GetSaveCard() {
		pi.PaymentTransactionId = result.card.PaymentMethodID
		if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_CARD_SAVED, BookingId: b.GetBookingId(), Currency: p.GetCurrency(),
			Processor: p.GetProcessor(), ProcessorId: result.card.PaymentMethodID, AtUnix: now}); err != nil {
			return err
		}
	}
	if p.GetChargeMicros() > 0 {
		p.ChargeId = result.charge.ID
		p.CapturedMicros = p.GetChargeMicros()
		pi.PaymentTransactionId = result.charge.ID
		if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_CHARGE, BookingId: b.GetBookingId(), AmountMicros: p.GetChargeMicros(),
			TaxMicros: chargedTax(p, pi), Currency: p.GetCurrency(), Processor: p.GetProcessor(), ProcessorId: result.charge.ID, AtUnix: now}); err != nil {
			return err
		}
	}
	if p.GetChargeMicros() > 0 || p.GetNoShowFeeMicros() > 0 {
		pi.PrepaymentStatus = acv3.PrepaymentStatus_PREPAYMENT_PROVIDED
	}
	b.Status = acv3.BookingStatus_CONFIRMED
	rec.UpdatedUnix = now
	return tx.PutBooking(rec)
}

// Recover settles the payments a crash left pending: each is paid again with the same
// idempotency keys (so money moves at most once) and confirmed, or released on a
// decline. Bookings the processor still cannot settle stay pending for the next try.
func (s *Service) Recover(ctx context.Context) (settled int, err error) {
	var pending []*bsv1.BookingRecord
	err = s.store.View(ctx, func(tx ReadTx) error {
		return tx.PendingPayments(func(r *bsv1.BookingRecord) bool {
			pending = append(pending, r)
			return true
		})
	})
	if err != nil {
		return 0, err
	}
	for _, rec := range pending {
		if s.processor == nil {
			return settled, fmt.Errorf("%d pending payment(s) but no processor configured", len(pending))
		}
		unlock := s.tokens.Lock(rec.GetIdempotencyToken())
		_, err := s.settle(ctx, rec)
		unlock()
		if err != nil {
			slog.WarnContext(ctx, "recovery: payment still pending", "booking_id", rec.GetBooking().GetBookingId(), "err", err)
			continue
		}
		settled++
	}
	return settled, nil
}

// chargedTax is the tax part of a booking's charge: the tax_amount of a prepayment
// (price plus tax charged), none in a deposit.
func chargedTax(p *bsv1.BookingPayment, pi *acv3.PaymentInformation) int64 {
	if p.GetPrepaid() {
		return pi.GetTaxAmount().GetPriceMicros()
	}
	return 0
}
