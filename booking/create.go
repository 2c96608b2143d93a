package booking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protopath"
	"google.golang.org/protobuf/reflect/protorange"
	"google.golang.org/protobuf/reflect/protoreflect"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// failure builds a BookingFailure answer.
func failure(cause acv3.BookingFailure_Cause, description string) *acv3.BookingFailure {
	return &acv3.BookingFailure{Cause: cause, Description: description}
}

func validateCreate(req *acv3.CreateBookingRequest) error {
	if req.GetSlot() == nil {
		return fmt.Errorf("slot is required: %w", ErrInvalid)
	}
	q := queryFromSlot(req.GetSlot())
	if err := q.validate("slot"); err != nil {
		return err
	}
	if q.durationSec == 0 {
		return fmt.Errorf("slot.duration_sec is required: %w", ErrInvalid)
	}
	if req.GetIdempotencyToken() == "" {
		return fmt.Errorf("idempotency_token is required: %w", ErrInvalid)
	}
	if req.GetUserInformation().GetUserId() == "" {
		return fmt.Errorf("user_information.user_id is required: %w", ErrInvalid)
	}
	return nil
}

// requestHash identifies a CreateBooking request, to tell a replay from a reused token;
// salt adds what the origin knows beyond req (empty for Google, so stored hashes stay
// valid).
func requestHash(req *acv3.CreateBookingRequest, salt string) ([]byte, error) {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("hash request: %w", err)
	}
	sum := sha256.Sum256(append(raw, salt...))
	return sum[:], nil
}

// Create books a slot. The capacity check and the insert happen in one write
// transaction. A token that already produced a booking gets the stored answer byte for
// byte; a business failure is answered in booking_failure and stores nothing, so that
// Google's retry is a new attempt. When the policy needs a payment, the spot is held by
// a PENDING booking while the processor is called outside any transaction; see settle.
func (s *Service) Create(ctx context.Context, req *acv3.CreateBookingRequest) (*acv3.CreateBookingResponse, error) {
	return s.create(ctx, req, origin{channel: bsv1.Channel_CHANNEL_ACTIONS_CENTER, plan: s.cardPlan(req)})
}

// origin is where a new booking comes from: its channel, what tells its requests apart
// beyond the CreateBookingRequest (hashed with it), and how its payment is planned.
type origin struct {
	channel bsv1.Channel
	salt    string
	// plan sets rec.Payment and, when a payment is awaited, rec's status, inside the
	// reserving transaction; or it returns the failure to answer.
	plan func(tx Tx, pol Policy, rec *bsv1.BookingRecord) (*acv3.CreateBookingResponse, error)
}

// create is Create for any origin: the idempotency, capacity and settle machinery.
func (s *Service) create(ctx context.Context, req *acv3.CreateBookingRequest, o origin) (*acv3.CreateBookingResponse, error) {
	if err := validateCreate(req); err != nil {
		return nil, err
	}
	hash, err := requestHash(req, o.salt)
	if err != nil {
		return nil, err
	}
	token := req.GetIdempotencyToken()
	unlock, err := s.tokens.LockContext(ctx, token)
	if err != nil {
		return nil, err
	}
	defer unlock()

	var (
		resp    *acv3.CreateBookingResponse
		pending *bsv1.BookingRecord
	)
	err = reserve(ctx, s.store, func(tx Tx) error {
		resp, pending = nil, nil
		if ra, ok := tx.(ReadAheader); ok {
			q := queryFromSlot(req.GetSlot())
			err := ra.ReadAhead(ReadAhead{Token: token, MerchantID: q.merchantID, ServiceID: q.serviceID,
				StartSec: q.startSec, DurationSec: q.durationSec, UserID: req.GetUserInformation().GetUserId()})
			if err != nil {
				return err
			}
		}
		prior, err := priorAttempt(tx, token, hash)
		if err != nil {
			return err
		}
		switch {
		case prior == nil:
			resp, pending, err = s.reserve(tx, req, hash, o)
		case prior.GetPendingBookingId() != "":
			pending, err = tx.Booking(prior.GetPendingBookingId())
		default:
			resp = storedResponse(prior)
		}
		return err
	})
	if err != nil || pending == nil {
		return resp, err
	}
	// The money moves now: settle it whatever becomes of the caller (Google may time
	// out between the charge and the confirm), under its own deadline.
	sctx, cancel := detached(ctx)
	defer cancel()
	return s.settle(sctx, pending)
}

// detached is ctx without its cancellation and deadline (its values kept), bounded by
// SettleTimeout: for work that moves money and records it, which must finish once
// begun even if the caller gives up.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), SettleTimeout)
}

// SettleTimeout bounds the processor calls and the confirm of one payment, detached
// from the caller's context: a charge once sent is recorded even if the caller gave
// up. What this cannot finish stays pending for the periodic recovery (Recover).
const SettleTimeout = 30 * time.Second

// priorAttempt returns the stored record of token, nil when the token is new, or
// ErrConflict when the token was used for a different request.
func priorAttempt(tx ReadTx, token string, hash []byte) (*bsv1.IdempotencyRecord, error) {
	rec, err := tx.Idempotency(token)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(rec.GetRequestSha256(), hash) {
		if strings.HasPrefix(token, merchantTokenPrefix) {
			return nil, requestIDReused(rec)
		}
		return nil, fmt.Errorf("idempotency_token %q was already used for a different request: %w", token, ErrConflict)
	}
	return rec, nil
}

// storedResponse is the answer stored for a successful CreateBooking.
func storedResponse(rec *bsv1.IdempotencyRecord) *acv3.CreateBookingResponse {
	return &acv3.CreateBookingResponse{Booking: rec.GetBooking()}
}

// succeed stores b, as it is now, as the answer of token, and returns that answer.
func (s *Service) succeed(tx Tx, token string, hash []byte, b *acv3.Booking) (*acv3.CreateBookingResponse, error) {
	rec := &bsv1.IdempotencyRecord{RequestSha256: hash, Booking: b, CreatedUnix: s.now().Unix()}
	return storedResponse(rec), tx.PutIdempotency(token, rec)
}

func createFailure(cause acv3.BookingFailure_Cause, description string) *acv3.CreateBookingResponse {
	return &acv3.CreateBookingResponse{BookingFailure: failure(cause, description)}
}

// reserve does the work of one new CreateBooking inside tx: checks the slot, takes a
// spot and writes the booking — CONFIRMED when nothing is to be paid (or
// PENDING_MERCHANT_CONFIRMATION on an asynchronous slot, see confirm.go), else PENDING
// (returned as pending) with the payment to make.
func (s *Service) reserve(tx Tx, req *acv3.CreateBookingRequest, hash []byte, o origin) (*acv3.CreateBookingResponse, *bsv1.BookingRecord, error) {
	q := queryFromSlot(req.GetSlot())
	merchant, svc, err := catalogOf(tx, q.merchantID, q.serviceID)
	if err != nil {
		return nil, nil, err
	}
	slot, ok, err := findSlot(tx, q)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return createFailure(acv3.BookingFailure_SLOT_UNAVAILABLE, "no such slot in the availability feed"), nil, nil
	}
	// The user's own booking is the more useful answer than "unavailable" (it may be
	// the one that took the last spot), so it is checked first.
	userID := req.GetUserInformation().GetUserId()
	held, err := tx.UserHoldsSlot(userID, slot.Key)
	if err != nil {
		return nil, nil, err
	}
	if held {
		return createFailure(acv3.BookingFailure_SLOT_ALREADY_BOOKED_BY_USER, "this user already holds a spot of this slot"), nil, nil
	}
	now := s.now()
	if ok, why := bookable(now, svc, slot.Availability); !ok {
		return createFailure(acv3.BookingFailure_SLOT_UNAVAILABLE, why), nil, nil
	}
	if slot.Open() <= 0 {
		return createFailure(acv3.BookingFailure_SLOT_UNAVAILABLE, "no spot left"), nil, nil
	}
	b := &acv3.Booking{
		BookingId:       s.newID(),
		Slot:            slotOf(q, slot.Availability),
		UserInformation: knownFields(req.GetUserInformation()),
		Status:          acv3.BookingStatus_CONFIRMED,
	}
	pol, err := ResolvePolicy(merchant, svc, slot.Availability, b.GetSlot().GetResources().GetPartySize())
	if err != nil {
		return createFailure(acv3.BookingFailure_PAYMENT_OPTION_NOT_VALID, err.Error()), nil, nil
	}
	if want := req.GetPaymentInformation().GetPrice(); want != nil && money(want) != pol.Price {
		return createFailure(acv3.BookingFailure_PAYMENT_ERROR, fmt.Sprintf("the request's price %s differs from the feed's %s", money(want), pol.Price)), nil, nil
	}
	if want := req.GetPaymentInformation().GetTaxAmount(); want != nil && money(want) != pol.Tax {
		return createFailure(acv3.BookingFailure_PAYMENT_ERROR, fmt.Sprintf("the request's tax %s differs from the feed's %s", money(want), pol.Tax)), nil, nil
	}
	b.PaymentInformation = paymentInformation(pol)
	rec := &bsv1.BookingRecord{
		Booking:           b,
		Channel:           o.channel,
		IdempotencyToken:  req.GetIdempotencyToken(),
		CreatedUnix:       now.Unix(),
		UpdatedUnix:       now.Unix(),
		SlotKey:           slot.Key,
		AdditionalRequest: req.GetAdditionalRequest(),
	}
	if fail, err := o.plan(tx, pol, rec); fail != nil || err != nil {
		return fail, nil, err
	}
	if awaitsMerchant(o, slot.Availability, rec) {
		b.Status = acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION
	}
	if err := tx.PutBooking(rec); err != nil {
		return nil, nil, err
	}
	if err := ChangeSpots(tx, slot.Key, 1); err != nil {
		return nil, nil, err
	}
	if rec.GetPayment().GetState() == bsv1.PaymentState_PAYMENT_STATE_PENDING {
		pend := &bsv1.IdempotencyRecord{RequestSha256: hash, PendingBookingId: b.GetBookingId(), CreatedUnix: now.Unix()}
		return nil, rec, tx.PutIdempotency(req.GetIdempotencyToken(), pend)
	}
	resp, err := s.succeed(tx, req.GetIdempotencyToken(), hash, b)
	return resp, nil, err
}

// knownFields is a copy of m without the fields this build does not know (a newer
// caller's, over gRPC; REST drops them when decoding). The stores keep known fields
// only, so a booking that echoed them would be answered otherwise by its replays and
// by GetBookingStatus.
func knownFields[M proto.Message](m M) M {
	c := proto.Clone(m).(M)
	_ = protorange.Range(c.ProtoReflect(), func(p protopath.Values) error {
		if msg, ok := p.Index(-1).Value.Interface().(protoreflect.Message); ok {
			msg.SetUnknown(nil)
		}
		return nil
	})
	return c
}

// catalogService returns the service, or ErrInvalid when merchant or service is unknown.
func catalogService(tx ReadTx, merchantID, serviceID string) (*acv3.Service, error) {
	_, svc, err := catalogOf(tx, merchantID, serviceID)
	return svc, err
}

// catalogOf is catalogService that also returns the merchant (read once: decoding
// it is a visible part of a booking's cost).
func catalogOf(tx ReadTx, merchantID, serviceID string) (*acv3.Merchant, *acv3.Service, error) {
	m, err := merchantOf(tx, merchantID)
	if err != nil {
		return nil, nil, err
	}
	svc, err := serviceOf(tx, merchantID, serviceID)
	return m, svc, err
}

// knownMerchant returns ErrInvalid when the merchant is not in the feed.
func knownMerchant(tx ReadTx, merchantID string) error {
	_, err := merchantOf(tx, merchantID)
	return err
}

// merchantOf returns a merchant, or ErrInvalid when it is not in the feed.
func merchantOf(tx ReadTx, merchantID string) (*acv3.Merchant, error) {
	m, err := tx.Merchant(merchantID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("unknown merchant_id %q: %w", merchantID, ErrInvalid)
	}
	return m, err
}

// serviceOf returns a service of a known merchant, or ErrInvalid when it is unknown.
func serviceOf(tx ReadTx, merchantID, serviceID string) (*acv3.Service, error) {
	svc, err := tx.Service(merchantID, serviceID)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("unknown service_id %q of merchant %q: %w", serviceID, merchantID, ErrInvalid)
	}
	return svc, err
}

// slotOf is the booked slot as the booking reports it: the feed's values, so that the
// booking carries the exact duration, tag and resources that were booked.
func slotOf(q slotQuery, a *acv3.Availability) *acv3.Slot {
	s := &acv3.Slot{
		MerchantId:       q.merchantID,
		ServiceId:        q.serviceID,
		StartSec:         a.GetStartSec(),
		DurationSec:      a.GetDurationSec(),
		AvailabilityTag:  a.GetAvailabilityTag(),
		ConfirmationMode: a.GetConfirmationMode(),
	}
	r := a.GetResources()
	party := r.GetPartySize()
	if party == 0 {
		party = q.partySize
	}
	if r.GetStaffId() != "" || r.GetRoomId() != "" || party != 0 {
		s.Resources = &acv3.ResourceIds{StaffId: r.GetStaffId(), RoomId: r.GetRoomId(), PartySize: party}
	}
	return s
}
