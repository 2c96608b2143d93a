package gateways

import (
	"context"
	"net/http"

	"github.com/bookingserver/bookingserver/payment/imoje"
	"github.com/bookingserver/bookingserver/payment/worldline"
)

func (a account) imojeConfig(hc *http.Client) imoje.Config {
	return imoje.Config{BaseURL: a.settings["base_url"], MerchantID: a.settings["merchant_id"], ServiceID: a.settings["service_id"],
		APIToken: a.secrets["api_token"], ShopKey: a.secrets["shop_key"], HTTPClient: hc}
}

func (a account) worldlineConfig(hc *http.Client) worldline.Config {
	return worldline.Config{BaseURL: a.settings["base_url"], MerchantID: a.settings["merchant_id"], APIKeyID: a.settings["api_key_id"],
		APISecret: a.secrets["api_secret"], WebhookKeyID: a.settings["webhook_key_id"], WebhookSecret: a.secrets["webhook_secret"], HTTPClient: hc}
}

// imoje returns the imoje client of a merchant's account.
func (r *Registry) imoje(ctx context.Context, merchantID string) (*imoje.Client, error) {
	a, err := r.load(ctx, merchantID, Imoje)
	if err != nil {
		return nil, err
	}
	return imoje.New(a.imojeConfig(r.cfg.HTTPClient))
}

// worldline returns the Worldline client of a merchant's account.
func (r *Registry) worldline(ctx context.Context, merchantID string) (*worldline.Client, error) {
	a, err := r.load(ctx, merchantID, Worldline)
	if err != nil {
		return nil, err
	}
	cfg := a.worldlineConfig(r.cfg.HTTPClient)
	cfg.Now = r.cfg.Now
	return worldline.New(cfg)
}
