package sandbox

import (
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
)

// Errors for requests that Stripe would refuse with a 400 or 404. They are final for
// the request (retrying with the same key replays them) and are not declines; each
// wraps the core's error of the same meaning, so the core knows nothing moved.
var (
	// ErrNoSuchObject: the charge, authorization or saved card named does not exist.
	ErrNoSuchObject = fmt.Errorf("sandbox: no such object: %w", booking.ErrNotFound)
	// ErrInvalidState: the object cannot take this operation now, e.g. capturing a
	// voided authorization or refunding one that was never captured.
	ErrInvalidState = fmt.Errorf("sandbox: invalid state for this operation: %w", booking.ErrConflict)
	// ErrExceedsAmount: a capture above what was authorized, or a refund above what is
	// left of the captured amount. The sandbox never over-refunds.
	ErrExceedsAmount = fmt.Errorf("sandbox: amount exceeds what is available: %w", booking.ErrConflict)
)
