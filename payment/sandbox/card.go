package sandbox

import (
	"context"

	"github.com/bookingserver/bookingserver/booking"
)

// SaveCard turns a test token into a saved card without charging it. The ids
// (cus_sandbox_…, pm_sandbox_…) are derived from the idempotency key. Tokens that
// decline decline here too, except tok_chargeCustomerFail, which saves and then
// declines every ChargeSaved.
func (p *Processor) SaveCard(ctx context.Context, req booking.SaveCardRequest) (booking.SavedCard, error) {
	if err := checkRequest(ctx, req.IdempotencyKey, nil); err != nil {
		return booking.SavedCard{}, err
	}
	return do(ctx, p, req.IdempotencyKey, "save_card", req, func() (booking.SavedCard, error) {
		if _, err := p.checkToken(req.Token, false); err != nil {
			return booking.SavedCard{}, err
		}
		sc := booking.SavedCard{
			CustomerID:      objectID("cus", req.IdempotencyKey),
			PaymentMethodID: objectID("pm", req.IdempotencyKey),
		}
		p.cards[sc.PaymentMethodID] = savedCard{customerID: sc.CustomerID, token: req.Token}
		return sc, nil
	})
}
