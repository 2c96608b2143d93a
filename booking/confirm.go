package booking

import (
	"context"
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Asynchronous confirmation. A slot whose availability says CONFIRMATION_MODE_ASYNCHRONOUS
// lets the merchant accept or refuse each booking later: Google's CreateBooking is
// answered PENDING_MERCHANT_CONFIRMATION (the spot is held, and the answer is stored for
// the token like any other), and the merchant settles it with Confirm (CONFIRMED) or
// Decline (DECLINED_BY_MERCHANT, spot released); Google learns the outcome through a
// notification written in the same transaction.
//
// Only bookings with nothing to pay at booking time wait for the merchant. The spec
// reserves PENDING_MERCHANT_CONFIRMATION for non-payment bookings, and a booking whose
// policy needs a card already uses that status while its payment is under way; so a
// paid booking of an asynchronous slot is settled synchronously, as on any other slot.

// awaitsMerchant reports whether a new booking, its payment planned, is to wait for the
// merchant: it comes from the Actions Center, the feed's slot (not the request's) is
// asynchronous, and nothing is to be paid.
func awaitsMerchant(o origin, a *acv3.Availability, rec *bsv1.BookingRecord) bool {
	return o.channel == bsv1.Channel_CHANNEL_ACTIONS_CENTER &&
		a.GetConfirmationMode() == acv3.ConfirmationMode_CONFIRMATION_MODE_ASYNCHRONOUS &&
		rec.GetPayment().GetState() == bsv1.PaymentState_PAYMENT_STATE_UNSPECIFIED
}

// awaitingMerchant returns nil when rec waits for the merchant's decision: it is
// PENDING_MERCHANT_CONFIRMATION with no payment under way (a card charge or a cart whose
// outcome settles the booking instead). Otherwise it returns ErrConflict naming why.
func awaitingMerchant(rec *bsv1.BookingRecord, action string) error {
	id, st := rec.GetBooking().GetBookingId(), rec.GetBooking().GetStatus()
	if st != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION {
		return fmt.Errorf("booking %s is %s, not awaiting the merchant's confirmation, and cannot be %s: %w", id, st, action, ErrConflict)
	}
	if ps := rec.GetPayment().GetState(); ps == bsv1.PaymentState_PAYMENT_STATE_PENDING || ps == bsv1.PaymentState_PAYMENT_STATE_AWAITING_CART {
		return fmt.Errorf("booking %s awaits its payment (%s), not the merchant, and cannot be %s: %w", id, ps, action, ErrConflict)
	}
	return nil
}

// Confirm accepts a booking that awaits the merchant: it becomes CONFIRMED, keeps its
// spot, and Google is notified (mask status). Idempotent on requestID.
func (s *Service) Confirm(ctx context.Context, id, requestID string) (*bsv1.BookingRecord, error) {
	return s.merchantAction(ctx, merchantRequest{action: "confirm", bookingID: id, requestID: requestID},
		func(rec *bsv1.BookingRecord) (func(context.Context) error, error) {
			return nil, awaitingMerchant(rec, "confirmed")
		},
		func(tx Tx, rec *bsv1.BookingRecord) error {
			// Checked again on the record this transaction writes, in case a change
			// that does not take the booking's lock came in since decide.
			if err := awaitingMerchant(rec, "confirmed"); err != nil {
				return err
			}
			rec.GetBooking().Status = acv3.BookingStatus_CONFIRMED
			rec.UpdatedUnix = s.now().Unix()
			if err := tx.PutBooking(rec); err != nil {
				return err
			}
			return NotifyGoogle(tx, rec, MaskStatus)
		})
}

// Decline refuses a booking that awaits the merchant: it becomes DECLINED_BY_MERCHANT,
// its spot is released, and Google is notified (mask status). Idempotent on requestID.
func (s *Service) Decline(ctx context.Context, id, requestID string) (*bsv1.BookingRecord, error) {
	return s.merchantAction(ctx, merchantRequest{action: "decline", bookingID: id, requestID: requestID},
		func(rec *bsv1.BookingRecord) (func(context.Context) error, error) {
			return nil, awaitingMerchant(rec, "declined")
		},
		func(tx Tx, rec *bsv1.BookingRecord) error {
			if err := awaitingMerchant(rec, "declined"); err != nil {
				return err
			}
			if err := s.release(tx, rec, acv3.BookingStatus_DECLINED_BY_MERCHANT); err != nil {
				return err
			}
			return NotifyGoogle(tx, rec, MaskStatus)
		})
}
