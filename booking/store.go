package booking

import (
	"context"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Store is the persistence the booking core needs. Every decision that depends on
// stored state (capacity, idempotency, the booking's status) is taken inside one
// transaction, so that what is checked is what is written.
type Store interface {
	// View runs fn in a read-only transaction (many at once, never blocking writers).
	View(ctx context.Context, fn func(ReadTx) error) error
	// Update runs fn in a write transaction that is durable (fsynced) when Update
	// returns nil. fn may run more than once (group commit): it must not have side
	// effects outside tx other than resetting and setting its own results.
	Update(ctx context.Context, fn func(Tx) error) error
}

// Reserver is a Store that runs the transaction of a new booking (Create, merchant
// bookings) apart from other updates, so that it can give it less isolation than
// Update where that is cheaper (PostgreSQL: READ COMMITTED with row locks, instead of
// SERIALIZABLE and its false conflicts between unrelated bookings). fn reads the
// token, the catalogue, the slot with its bookings, whether the user holds it and the
// cart holds, and writes only new rows, the slot's count and the token's answer. Reserve
// must still give fn what Update gives it:
//   - Slots and UserHoldsSlot see every committed booking of the slots read
//     (concurrent reservations of one slot take turns);
//   - AddBooked never takes a slot past the spots_open read by Slots: when a
//     concurrent booking took the last spot, fn runs again. fn takes spots only of
//     slots it read with Slots (the read locks the slot on PostgreSQL); a take of
//     another slot fails the transaction;
//   - an idempotency token is answered once: when another transaction stored it
//     first, fn runs again (and reads that answer);
//   - CartHolds sees every committed cart hold (cart reservations take turns).
type Reserver interface {
	Reserve(ctx context.Context, fn func(Tx) error) error
}

// reserve runs fn as the transaction of a new booking: through Reserve when the
// store has it, else Update.
func reserve(ctx context.Context, st Store, fn func(Tx) error) error {
	if r, ok := st.(Reserver); ok {
		return r.Reserve(ctx, fn)
	}
	return st.Update(ctx, fn)
}

// ReadAhead names what the transaction of a new booking reads first: the token's
// answer, the slots asked for (Slots' arguments) and whether the user holds one of
// them (UserHoldsSlot of UserID and any of their keys).
type ReadAhead struct {
	Token                 string
	MerchantID, ServiceID string
	StartSec, DurationSec int64
	UserID                string
}

// ReadAheader is a Tx that fetches a ReadAhead's reads together: a database server
// answers them in one round trip instead of three. The next read of each, with
// exactly these arguments (UserHoldsSlot: UserID and the key of any slot Slots
// would find), is answered from what was fetched; later ones read again, and see
// the transaction's own writes.
type ReadAheader interface {
	ReadAhead(ReadAhead) error
}

// ReadTx reads a consistent snapshot.
type ReadTx interface {
	CartReadTx
	GatewayReadTx
	// Merchant returns a merchant, or ErrNotFound.
	Merchant(merchantID string) (*acv3.Merchant, error)
	// Service returns a service, or ErrNotFound.
	Service(merchantID, serviceID string) (*acv3.Service, error)
	// Slots calls fn for every slot of the service starting at startSec (and lasting
	// durationSec, unless 0), with the number of live bookings holding a spot of it;
	// fn returns false to stop.
	Slots(merchantID, serviceID string, startSec, durationSec int64, fn func(s Slot) bool) error
	// Booking returns a booking record, or ErrNotFound.
	Booking(bookingID string) (*bsv1.BookingRecord, error)
	// BookingsByUser calls fn for the user's bookings, newest first; fn returns false to stop.
	BookingsByUser(userID string, fn func(*bsv1.BookingRecord) bool) error
	// UserHoldsSlot reports whether the user has a live booking (HoldsSpot) of the
	// slot with this key. Every new booking asks it, so it costs what the answer
	// needs: a regular customer's hundreds of past bookings are not read and decoded
	// to find it, as a walk of BookingsByUser would.
	UserHoldsSlot(userID string, slotKey []byte) (bool, error)
	// Idempotency returns the stored answer for a CreateBooking token, or ErrNotFound.
	Idempotency(token string) (*bsv1.IdempotencyRecord, error)
	// Ledger calls fn for the booking's ledger entries in the order they were written.
	Ledger(bookingID string, fn func(*bsv1.LedgerEntry) bool) error
	// PendingPayments calls fn for every booking whose payment is PENDING.
	PendingPayments(fn func(*bsv1.BookingRecord) bool) error
	// PendingRefunds calls fn for every booking with a pending refund (a non-empty
	// payment.pending_refunds), in any order; fn returns false to stop. PutBooking
	// keeps the index it reads.
	PendingRefunds(fn func(*bsv1.BookingRecord) bool) error
}

// Tx reads and writes inside one write transaction.
type Tx interface {
	ReadTx
	CartTx
	GatewayTx
	// PutBooking inserts or replaces a booking record and its indexes.
	PutBooking(rec *bsv1.BookingRecord) error
	// AddBooked changes the live-booking count of a slot key by delta. Call it through
	// ChangeSpots, which also tells Google (SpotsChanged).
	AddBooked(slotKey []byte, delta int64) error
	// SpotsChanged records, in this transaction, that the open spots of the slot with
	// this key (Slot.Key) changed, so that an availability real-time update for its
	// start time goes to Google: the record exists if and only if the change commits.
	// Changes to one window are coalesced while they wait; the state sent is read when
	// the update is built (AvailabilityUpdate).
	SpotsChanged(slotKey []byte) error
	// PutIdempotency stores the answer for a CreateBooking token.
	PutIdempotency(token string, rec *bsv1.IdempotencyRecord) error
	// DeleteIdempotency forgets a token (its attempt failed: the next one is new).
	DeleteIdempotency(token string) error
	// DeleteBooking removes a booking that never came to be (its payment failed).
	DeleteBooking(rec *bsv1.BookingRecord) error
	// AppendLedger records a money movement.
	AppendLedger(e *bsv1.LedgerEntry) error
	// Enqueue writes an outbox record for Google in this transaction: the notification
	// exists if and only if the change commits. Use NotifyGoogle to build it.
	Enqueue(n *bsv1.Notification) error
}

// Slot is a bookable slot from the availability feed with its live usage.
type Slot struct {
	// Key identifies the slot's capacity (store-encoded).
	Key []byte
	// Availability is the feed's slot.
	Availability *acv3.Availability
	// Booked is the number of live bookings holding a spot.
	Booked int64
}

// Open is the number of spots that can still be booked: the feed's spots_open minus
// live bookings. It is the only place this is computed.
func (s Slot) Open() int64 {
	return s.Availability.GetSpotsOpen() - s.Booked
}
