package booking

import (
	"context"
	"fmt"
	"slices"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// A merchant action changes one booking on the merchant's side (no-show, cancel,
// refund). Each is idempotent on the merchant's request id, makes its processor call
// under the booking's lock before writing, and writes the booking, its ledger and the
// notification for Google in one transaction.

// merchantAction runs one action: decide reads the booking and returns the processor
// work to do (nil when none) or an error; apply writes the outcome in the transaction.
// The request id is bound to what it did (mr.action, the booking and mr.body) in the
// idempotency records of the booking's merchant, shared with merchant-channel bookings,
// so a reused id is refused with ErrRequestIDReused rather than answered as a replay of
// something else.
func (s *Service) merchantAction(ctx context.Context, mr merchantRequest,
	decide func(rec *bsv1.BookingRecord) (act func(ctx context.Context) error, err error),
	apply func(tx Tx, rec *bsv1.BookingRecord) error,
) (*bsv1.BookingRecord, error) {
	id, requestID := mr.bookingID, mr.requestID
	if id == "" || requestID == "" {
		return nil, fmt.Errorf("booking_id and request_id are required: %w", ErrInvalid)
	}
	rec, err := s.Get(ctx, id) // within the caller's scope; its merchant never changes
	if err != nil {
		return nil, err
	}
	token, hash := mr.binding(rec.GetBooking().GetSlot().GetMerchantId())
	unlockToken := s.tokens.Lock(token)
	defer unlockToken()
	unlock, err := s.bookings.LockContext(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	err = s.store.View(ctx, func(tx ReadTx) error {
		if _, err := priorAttempt(tx, token, hash); err != nil {
			return err
		}
		var err error
		rec, err = tx.Booking(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if slices.Contains(rec.GetPayment().GetAppliedRequestIds(), requestID) {
		return rec, nil // a retry of an action already applied
	}
	act, err := decide(rec)
	if err != nil {
		return nil, err
	}
	// From here money may move: the processor call and the write of its outcome
	// finish whatever becomes of the caller (a merchant's client that gives up
	// mid-refund), under their own deadline, as CreateBooking's settle does.
	ctx, cancel := detached(ctx)
	defer cancel()
	if act != nil {
		if err := act(ctx); err != nil {
			return nil, err
		}
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		var err error
		if rec, err = tx.Booking(id); err != nil {
			return err
		}
		if rec.Payment == nil {
			rec.Payment = &bsv1.BookingPayment{}
		}
		rec.Payment.AppliedRequestIds = append(rec.Payment.AppliedRequestIds, requestID)
		bound := &bsv1.IdempotencyRecord{RequestSha256: hash, CreatedUnix: s.now().Unix(), Action: mr.String()}
		if err := tx.PutIdempotency(token, bound); err != nil {
			return err
		}
		return apply(tx, rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// MarkNoShow records that the user did not come (or cancelled too late by calling the
// merchant): the no-show fee is charged with the saved card when the policy has one
// (NO_SHOW_PENALIZED), else the booking becomes NO_SHOW. Google is notified.
func (s *Service) MarkNoShow(ctx context.Context, id, requestID string) (*bsv1.BookingRecord, error) {
	var fee Transaction
	return s.merchantAction(ctx, merchantRequest{action: "no-show", bookingID: id, requestID: requestID},
		func(rec *bsv1.BookingRecord) (func(context.Context) error, error) {
			if !HoldsSpot(rec.GetBooking().GetStatus()) {
				return nil, fmt.Errorf("booking %s is %s, not a live booking: %w", id, rec.GetBooking().GetStatus(), ErrConflict)
			}
			p := rec.GetPayment()
			if p.GetNoShowFeeMicros() == 0 || p.GetPaymentMethodId() == "" {
				return nil, nil
			}
			if s.processor == nil || s.processor.Name() != p.GetProcessor() {
				return nil, fmt.Errorf("the card was saved with %q, which is not configured: %w", p.GetProcessor(), ErrUnavailable)
			}
			return func(ctx context.Context) error {
				var err error
				fee, err = s.processor.ChargeSaved(ctx, ChargeSavedRequest{
					Card:   SavedCard{CustomerID: p.GetCustomerId(), PaymentMethodID: p.GetPaymentMethodId()},
					Amount: Money{Micros: p.GetNoShowFeeMicros(), Currency: p.GetCurrency()}, IdempotencyKey: id + ":no-show-fee:" + requestID,
					BookingID: id, Description: "no-show fee, booking " + id,
				})
				if err != nil {
					return fmt.Errorf("charge no-show fee: %w", err)
				}
				return nil
			}, nil
		},
		func(tx Tx, rec *bsv1.BookingRecord) error {
			status := acv3.BookingStatus_NO_SHOW
			if fee.ID != "" {
				status = acv3.BookingStatus_NO_SHOW_PENALIZED
				p := rec.GetPayment()
				p.CapturedMicros += fee.Amount.Micros
				if err := tx.AppendLedger(&bsv1.LedgerEntry{Kind: bsv1.LedgerEntry_KIND_FEE, BookingId: id, AmountMicros: fee.Amount.Micros, Currency: fee.Amount.Currency,
					Processor: p.GetProcessor(), ProcessorId: fee.ID, AtUnix: s.now().Unix(), Reason: "no-show"}); err != nil {
					return err
				}
			}
			if err := s.release(tx, rec, status); err != nil {
				return err
			}
			return NotifyGoogle(tx, rec, MaskStatus)
		})
}

// MerchantCancel cancels a booking on the merchant's side and refunds everything that
// was captured; Google learns CANCELED (and PREPAYMENT_REFUNDED when money went back).
func (s *Service) MerchantCancel(ctx context.Context, id, requestID string) (*bsv1.BookingRecord, error) {
	var refunded int64
	return s.merchantAction(ctx, merchantRequest{action: "cancel", bookingID: id, requestID: requestID},
		func(rec *bsv1.BookingRecord) (func(context.Context) error, error) {
			if !HoldsSpot(rec.GetBooking().GetStatus()) {
				return nil, fmt.Errorf("booking %s is %s and cannot be cancelled: %w", id, rec.GetBooking().GetStatus(), ErrConflict)
			}
			return func(ctx context.Context) error {
				var err error
				refunded, err = s.refund(ctx, id, "cancel:"+requestID, "cancelled by the merchant",
					func(rec *bsv1.BookingRecord, _ int64) (int64, error) { return outstanding(rec), nil })
				return err
			}, nil
		},
		func(tx Tx, rec *bsv1.BookingRecord) error {
			if err := s.release(tx, rec, acv3.BookingStatus_CANCELED); err != nil {
				return err
			}
			if refunded > 0 {
				return NotifyGoogle(tx, rec, MaskStatus, MaskPrepaymentStatus)
			}
			return NotifyGoogle(tx, rec, MaskStatus)
		})
}

// Refund returns amount of a booking's captured money (partial and repeated refunds
// allowed, never more than what was captured and not yet refunded). When the last of
// it goes back, Google learns PREPAYMENT_REFUNDED. A retry of requestID whose first
// try was cut short refunds only what that try did not.
func (s *Service) Refund(ctx context.Context, id, requestID string, amount Money, reason string) (*bsv1.BookingRecord, error) {
	if amount.Micros <= 0 {
		return nil, fmt.Errorf("refund amount must be positive: %w", ErrInvalid)
	}
	return s.merchantAction(ctx, merchantRequest{action: "refund", bookingID: id, requestID: requestID, body: fmt.Sprintf("%s;%q", amount, reason)},
		func(rec *bsv1.BookingRecord) (func(context.Context) error, error) {
			p := rec.GetPayment()
			if amount.Currency != p.GetCurrency() {
				return nil, fmt.Errorf("refund currency %q differs from the booking's %q: %w", amount.Currency, p.GetCurrency(), ErrInvalid)
			}
			return func(ctx context.Context) error {
				_, err := s.refund(ctx, id, "refund:"+requestID, reason, func(rec *bsv1.BookingRecord, already int64) (int64, error) {
					todo := amount.Micros - already
					if left := outstanding(rec); todo > left {
						return 0, fmt.Errorf("refund of %s exceeds the %s left to refund: %w", Money{Micros: todo, Currency: amount.Currency},
							Money{Micros: left, Currency: amount.Currency}, ErrConflict)
					}
					return todo, nil
				})
				return err
			}, nil
		},
		func(tx Tx, rec *bsv1.BookingRecord) error {
			rec.UpdatedUnix = s.now().Unix()
			if err := tx.PutBooking(rec); err != nil {
				return err
			}
			if outstanding(rec) == 0 {
				return NotifyGoogle(tx, rec, MaskPrepaymentStatus)
			}
			return nil
		})
}

// Ledger returns a booking's ledger entries in order.
func (s *Service) Ledger(ctx context.Context, id string) ([]*bsv1.LedgerEntry, error) {
	var out []*bsv1.LedgerEntry
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		out, err = ledgerOf(tx, id)
		return err
	})
	return out, err
}
