// Package booking is the core of bookingserver: bookings, their state machine, slot
// accounting and payment policy. It knows nothing of gRPC, HTTP or bbolt; it declares
// the interfaces it needs (Store, …) and the errors its callers map to transport codes.
package booking

import "errors"

// Domain errors. Adapters wrap them with %w; the server maps them to gRPC codes with
// errors.Is in one place (server/errors.go).
var (
	// ErrNotFound: the named booking, merchant, service or slot does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the request is malformed (a caller error, not a business failure).
	ErrInvalid = errors.New("invalid argument")
	// ErrConflict: the request contradicts stored state, e.g. an idempotency token reused
	// with a different request.
	ErrConflict = errors.New("conflict")
	// ErrRequestIDReused: a merchant request_id was already used for another action,
	// booking or body (a replay must repeat the first request exactly).
	ErrRequestIDReused = errors.New("request_id reused")
	// ErrSlotTaken: the slot has no spot left.
	ErrSlotTaken = errors.New("slot taken")
	// ErrUnavailable: a dependency is temporarily unavailable; the caller may retry.
	ErrUnavailable = errors.New("temporarily unavailable")
)
