// Package imoje talks to imoje (ING Bank Śląski's payment gateway) for merchant-channel
// bookings: it creates a payment link whose paywall the buyer is redirected to,
// verifies and parses the signed notifications imoje posts back, and refunds.
//
// The flow a caller wires:
//
//  1. Client.CreatePayment with the booking id as OrderID → Payment.URL (redirect the
//     buyer there) and Payment.ID (store it on the booking).
//  2. imoje POSTs a notification to the shop's notification URL. Read the raw body,
//     call Client.VerifyNotification(r.Header.Get(SignatureHeader), body), then
//     ParseNotification(body). Record Notification.DedupeKey in the same transaction
//     as the state change and skip keys already seen; answer 200 {"status":"ok"}.
//  3. StateCollected (settled, or pay-later authorized: imoje pays the merchant at
//     once and collects from the buyer within 30 days) confirms the booking's payment.
//  4. Client.Refund returns part or all of a settled transaction; the refund's own
//     notification (Kind KindRefund) is matched by its transaction id so it is counted
//     once.
//
// Amounts travel as integer minor units (grosze for PLN); this package converts them
// to booking.Money exactly and never through floats.
package imoje
