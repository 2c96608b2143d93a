package sandbox

import "errors"

// Errors for requests that Stripe would refuse with a 400 or 404. They are final for
// the request (retrying with the same key replays them) and are not declines.
var (
	// ErrNoSuchObject: the charge, authorization or saved card named does not exist.
	ErrNoSuchObject = errors.New("sandbox: no such object")
	// ErrInvalidState: the object cannot take this operation now, e.g. capturing a
	// voided authorization or refunding one that was never captured.
	ErrInvalidState = errors.New("sandbox: invalid state for this operation")
	// ErrExceedsAmount: a capture above what was authorized, or a refund above what is
	// left of the captured amount. The sandbox never over-refunds.
	ErrExceedsAmount = errors.New("sandbox: amount exceeds what is available")
)
