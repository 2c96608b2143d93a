package server

import (
	"context"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/gateways"
)

// The gateway account RPCs of bookingserver.v1.MerchantService. Secrets go in and are
// never answered; see payment/gateways.

// setAccount stores an account through the registry.
func (m *merchantService) setAccount(ctx context.Context, merchantID, gateway string, values map[string]string) (*bsv1.GatewayAccountView, error) {
	if m.gateways == nil {
		return nil, toStatus(ctx, gateways.ErrNoKey)
	}
	v, err := m.gateways.Set(ctx, merchantID, gateway, values)
	return v, toStatus(ctx, err)
}

// SetImojeAccount stores a merchant's imoje account.
func (m *merchantService) SetImojeAccount(ctx context.Context, req *bsv1.SetImojeAccountRequest) (*bsv1.SetImojeAccountResponse, error) {
	a := req.GetImoje()
	v, err := m.setAccount(ctx, req.GetMerchantId(), gateways.Imoje, map[string]string{
		"merchant_id": a.GetMerchantId(), "service_id": a.GetServiceId(), "api_token": a.GetApiToken(), "shop_key": a.GetShopKey(), "base_url": a.GetBaseUrl(),
	})
	if err != nil {
		return nil, err
	}
	return &bsv1.SetImojeAccountResponse{Account: v}, nil
}

// SetWorldlineAccount stores a merchant's Worldline Direct account.
func (m *merchantService) SetWorldlineAccount(ctx context.Context, req *bsv1.SetWorldlineAccountRequest) (*bsv1.SetWorldlineAccountResponse, error) {
	a := req.GetWorldline()
	v, err := m.setAccount(ctx, req.GetMerchantId(), gateways.Worldline, map[string]string{
		"merchant_id": a.GetMerchantId(), "api_key_id": a.GetApiKeyId(), "api_secret": a.GetApiSecret(),
		"webhook_key_id": a.GetWebhookKeyId(), "webhook_secret": a.GetWebhookSecret(), "base_url": a.GetBaseUrl(),
	})
	if err != nil {
		return nil, err
	}
	return &bsv1.SetWorldlineAccountResponse{Account: v}, nil
}

// SetStripeAccount stores a merchant's Stripe account.
func (m *merchantService) SetStripeAccount(ctx context.Context, req *bsv1.SetStripeAccountRequest) (*bsv1.SetStripeAccountResponse, error) {
	a := req.GetStripe()
	v, err := m.setAccount(ctx, req.GetMerchantId(), gateways.Stripe, map[string]string{"secret_key": a.GetSecretKey(), "webhook_secret": a.GetWebhookSecret()})
	if err != nil {
		return nil, err
	}
	return &bsv1.SetStripeAccountResponse{Account: v}, nil
}

// GetGatewayAccount returns a stored account, secrets omitted.
func (m *merchantService) GetGatewayAccount(ctx context.Context, req *bsv1.GetGatewayAccountRequest) (*bsv1.GetGatewayAccountResponse, error) {
	if m.gateways == nil {
		return nil, toStatus(ctx, gateways.ErrNoKey)
	}
	v, err := m.gateways.Get(ctx, req.GetMerchantId(), req.GetGateway())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.GetGatewayAccountResponse{Account: v}, nil
}

// giftCards converts the request's gift cards.
func giftCards(in []*bsv1.GiftCard) []booking.Money {
	out := make([]booking.Money, 0, len(in))
	for _, g := range in {
		out = append(out, booking.Money{Micros: g.GetAmount().GetPriceMicros(), Currency: g.GetAmount().GetCurrencyCode()})
	}
	return out
}
