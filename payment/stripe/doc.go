// Package stripe is the booking.Processor adapter for Stripe's REST API, built on the
// official client github.com/stripe/stripe-go (pinned in go.mod).
//
// Every operation is a PaymentIntent, SetupIntent or Refund, as Stripe recommends:
//
//   - Charge: create a PaymentMethod from the token (card[token]), then a PaymentIntent
//     with confirm=true and capture_method=automatic.
//   - Authorize: the same with capture_method=manual; Capture and Void are the
//     PaymentIntent's capture (amount_to_capture) and cancel.
//   - SaveCard: a PaymentMethod from the token, a Customer, then a SetupIntent with
//     confirm=true and usage=off_session, which checks the card and attaches it.
//   - ChargeSaved: a PaymentIntent with customer, payment_method, off_session=true and
//     confirm=true.
//   - Refund: a Refund of the PaymentIntent for an amount.
//
// The call that moves money is sent with Idempotency-Key set to the request's key;
// the preparatory calls of a multi-step operation use that key with a suffix
// (":payment_method", ":customer"), since Stripe refuses one key on two endpoints. A
// retried operation therefore replays every step. Card errors become
// *booking.DeclineError; 429, 5xx, network failures and unreadable answers wrap
// booking.ErrUnavailable (a retry with the same key is safe); other 4xx are plain
// errors (idempotency_error also wraps booking.ErrConflict).
//
// The client does not retry by itself (Config.MaxNetworkRetries is 0 by default): the
// booking core decides, and sees every technical failure.
package stripe
