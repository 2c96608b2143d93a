// Package notifier delivers the booking outbox to Google's Maps Booking API: each
// record becomes PATCH {base}/v1alpha/notification/partners/{partner}/bookings/{id}
// ?updateMask=… with the v1alpha Booking JSON and an OAuth2 service-account bearer
// token. Delivery is at least once and in order per booking: a record is deleted
// only after a 2xx, and the outbox never hands out a record while an earlier one of
// the same booking is pending. Failures are retried with exponential backoff
// (RetryPolicy) or dead-lettered (Decide) for an operator to replay.
//
// The notifier depends only on the Outbox interface below; store.Outbox implements
// it, and records are written by the booking core through booking.NotifyGoogle in
// the transaction that changes the booking.
package notifier
