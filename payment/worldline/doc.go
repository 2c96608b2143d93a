// Package worldline talks to Worldline Direct (API v2) for merchant-channel bookings
// paid through the Hosted Checkout Page, including Bimpli CADO gift cards (payment
// product 3103), where a buyer combines up to three gift cards and pays the rest by
// Visa/Mastercard.
//
// The flow a caller wires:
//
//  1. Client.CreateHostedCheckout with the booking id as MerchantReference →
//     Checkout.RedirectURL (send the buyer there) and Checkout.HostedCheckoutID.
//  2. On the buyer's return to ReturnURL, Client.GetHostedCheckout tells the outcome
//     and the created payment.
//  3. Webhooks: read the raw body, Client.VerifyWebhook(X-GCS-KeyId,
//     X-GCS-Signature, body), then Client.ParseWebhook(body). Store Event.ID with the
//     change it caused and skip ids seen before; before an irreversible change
//     (confirming or refunding), re-read the payment with Client.GetPayment, because
//     webhooks can arrive out of order.
//     A payment left PENDING_CAPTURE (authorise-only) is captured with Client.Capture.
//  4. Client.Refund returns part or all of a captured payment, as many times as
//     needed; the refund id it returns is what a later refund webhook carries, so an
//     echo of our own refund is recognised and counted once.
//
// Every API request is signed as Worldline documents (v1HMAC over method,
// content type, date, X-GCS-* headers and path); see sign.go.
package worldline
