package stripe

import (
	"context"
	"fmt"

	stripeapi "github.com/stripe/stripe-go/v85"

	"github.com/bookingserver/bookingserver/booking"
)

// SaveCard turns a single-use token into a card saved for off-session charges,
// charging nothing: a PaymentMethod from the token, a Customer (email, booking id), and
// a SetupIntent confirmed with usage=off_session, which verifies the card with its
// issuer and attaches it to the customer. A card the issuer refuses is a
// *booking.DeclineError. The SetupIntent is sent under req.IdempotencyKey, the other
// steps under it with a suffix.
func (p *Processor) SaveCard(ctx context.Context, req booking.SaveCardRequest) (booking.SavedCard, error) {
	const op = "save card"
	if req.IdempotencyKey == "" {
		return booking.SavedCard{}, fmt.Errorf("stripe: %s: empty idempotency key: %w", op, booking.ErrInvalid)
	}
	pm, err := p.paymentMethod(ctx, op, req.Token, req.IdempotencyKey)
	if err != nil {
		return booking.SavedCard{}, err
	}
	cp := &stripeapi.CustomerCreateParams{Params: params(req.IdempotencyKey+":customer", req.BookingID)}
	if req.Email != "" {
		cp.Email = stripeapi.String(req.Email)
	}
	cus, err := p.client.V1Customers.Create(ctx, cp)
	if err != nil {
		return booking.SavedCard{}, classify(op, err)
	}
	si, err := p.client.V1SetupIntents.Create(ctx, &stripeapi.SetupIntentCreateParams{
		Params:             params(req.IdempotencyKey, req.BookingID),
		Customer:           stripeapi.String(cus.ID),
		PaymentMethod:      stripeapi.String(pm),
		PaymentMethodTypes: stripeapi.StringSlice([]string{"card"}),
		Confirm:            stripeapi.Bool(true),
		Usage:              stripeapi.String(string(stripeapi.SetupIntentUsageOffSession)),
	})
	if err != nil {
		return booking.SavedCard{}, classify(op, err)
	}
	switch si.Status {
	case stripeapi.SetupIntentStatusSucceeded:
		return booking.SavedCard{CustomerID: cus.ID, PaymentMethodID: pm}, nil
	case stripeapi.SetupIntentStatusRequiresAction:
		return booking.SavedCard{}, fmt.Errorf("stripe: %s: SetupIntent %s: %w", op, si.ID, &booking.DeclineError{Code: "authentication_required"})
	case stripeapi.SetupIntentStatusRequiresPaymentMethod:
		de := &booking.DeclineError{Code: "card_declined"}
		if si.LastSetupError != nil {
			de = decline(si.LastSetupError)
		}
		return booking.SavedCard{}, fmt.Errorf("stripe: %s: SetupIntent %s: %w", op, si.ID, de)
	}
	return booking.SavedCard{}, fmt.Errorf("stripe: %s: SetupIntent %s has status %q, want succeeded", op, si.ID, si.Status)
}
