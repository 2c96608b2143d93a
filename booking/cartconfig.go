package booking

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// DefaultCartHoldSec is how long an unpaid cart booking holds its spot when the
// merchant sets no delay: 15 minutes.
const DefaultCartHoldSec = 900

// DefaultCartPolicyText is shown to the customer when a service sets none.
const DefaultCartPolicyText = "Payment is required to confirm this appointment and is made in the shop's cart. " +
	"An unpaid booking is cancelled automatically. To cancel a paid booking, contact the merchant; refunds follow the shop's policy."

// SetMerchantCart validates and stores a merchant's cart configuration: an https
// callback URL (http only on a loopback host) and the auto-cancel delay (default 15 min).
func (s *Service) SetMerchantCart(ctx context.Context, c *bsv1.MerchantCart) (*bsv1.MerchantCart, error) {
	if err := ScopeOf(ctx).Check(c.GetMerchantId(), fmt.Sprintf("merchant %q", c.GetMerchantId())); err != nil {
		return nil, err
	}
	if err := validCallback(c.GetCallbackUrl()); err != nil {
		return nil, err
	}
	switch {
	case c.GetAutoCancelAfterSec() < 0:
		return nil, fmt.Errorf("auto_cancel_after_sec must not be negative: %w", ErrInvalid)
	case c.GetAutoCancelAfterSec() == 0:
		c.AutoCancelAfterSec = DefaultCartHoldSec
	}
	c.UpdatedUnix = s.now().Unix()
	err := s.store.Update(ctx, func(tx Tx) error {
		if _, err := tx.Merchant(c.GetMerchantId()); err != nil {
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("unknown merchant_id %q: %w", c.GetMerchantId(), ErrInvalid)
			}
			return err
		}
		return tx.PutMerchantCart(c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// SetServiceCart validates and stores a service's cart configuration; an enabled
// service needs a positive amount with a currency. The policy text defaults to
// DefaultCartPolicyText.
func (s *Service) SetServiceCart(ctx context.Context, c *bsv1.ServiceCart) (*bsv1.ServiceCart, error) {
	if err := ScopeOf(ctx).Check(c.GetMerchantId(), fmt.Sprintf("merchant %q", c.GetMerchantId())); err != nil {
		return nil, err
	}
	a := c.GetAmount()
	switch {
	case c.GetEnabled() && a == nil:
		return nil, fmt.Errorf("amount is required when cart payment is enabled: %w", ErrInvalid)
	case a != nil && a.GetPriceMicros() <= 0:
		return nil, fmt.Errorf("amount.price_micros must be positive: %w", ErrInvalid)
	case a != nil && len(a.GetCurrencyCode()) != 3:
		return nil, fmt.Errorf("amount.currency_code must be an ISO 4217 code: %w", ErrInvalid)
	}
	if c.GetPolicyText() == "" {
		c.PolicyText = DefaultCartPolicyText
	}
	c.UpdatedUnix = s.now().Unix()
	err := s.store.Update(ctx, func(tx Tx) error {
		if _, err := catalogService(tx, c.GetMerchantId(), c.GetServiceId()); err != nil {
			return err
		}
		return tx.PutServiceCart(c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// validCallback accepts an absolute https URL, or http on a loopback host (tests, a
// shop on the same machine): booking_data must not travel in clear over a network.
func validCallback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("callback_url must be an absolute URL: %w", ErrInvalid)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	}
	return fmt.Errorf("callback_url must use https (http only for a loopback host): %w", ErrInvalid)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
