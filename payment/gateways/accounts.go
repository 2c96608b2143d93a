package gateways

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment/imoje"
	"github.com/bookingserver/bookingserver/payment/secrets"
	"github.com/bookingserver/bookingserver/payment/worldline"
)

// field is one field of a gateway account.
type field struct {
	name     string
	secret   bool
	optional bool
}

// fields are each gateway's account fields, as the configuration API names them.
var fields = map[string][]field{
	Imoje: {{name: "merchant_id"}, {name: "service_id"}, {name: "api_token", secret: true}, {name: "shop_key", secret: true}, {name: "base_url", optional: true}},
	Worldline: {{name: "merchant_id"}, {name: "api_key_id"}, {name: "api_secret", secret: true}, {name: "webhook_key_id"},
		{name: "webhook_secret", secret: true}, {name: "base_url", optional: true}},
	Stripe: {{name: "secret_key", secret: true}, {name: "webhook_secret", secret: true}},
}

// account is an opened account: settings in clear, secrets as secrets.Secret.
type account struct {
	settings map[string]string
	secrets  map[string]secrets.Secret
}

func sealContext(merchantID, gateway, name string) []byte {
	return secrets.Context(merchantID, gateway, name)
}

// Set stores a merchant's account of gateway from values (field name → value): secrets
// are sealed, an empty secret keeps the one stored, and the account must be complete
// (the gateway's client checks it). It returns the stored account, secrets omitted.
func (r *Registry) Set(ctx context.Context, merchantID, gateway string, values map[string]string) (*bsv1.GatewayAccountView, error) {
	if err := inScope(ctx, merchantID, gateway); err != nil {
		return nil, err
	}
	spec, ok := fields[gateway]
	switch {
	case !ok:
		return nil, fmt.Errorf("unknown gateway %q (imoje, worldline or stripe): %w", gateway, booking.ErrInvalid)
	case r.cfg.Key == nil:
		return nil, ErrNoKey
	}
	var rec *bsv1.GatewayAccountRecord
	err := r.cfg.Store.Update(ctx, func(tx booking.Tx) error {
		if _, err := tx.Merchant(merchantID); errors.Is(err, booking.ErrNotFound) {
			return fmt.Errorf("unknown merchant_id %q: %w", merchantID, booking.ErrInvalid)
		} else if err != nil {
			return err
		}
		old, err := tx.GatewayAccount(merchantID, gateway)
		if err != nil && !errors.Is(err, booking.ErrNotFound) {
			return err
		}
		rec = &bsv1.GatewayAccountRecord{MerchantId: merchantID, Gateway: gateway, Settings: map[string]string{}, Sealed: map[string][]byte{},
			UpdatedUnix: r.cfg.Now().Unix()}
		for _, f := range spec {
			v := strings.TrimSpace(values[f.name])
			switch {
			case f.secret && v == "" && old.GetSealed()[f.name] != nil:
				rec.Sealed[f.name] = old.GetSealed()[f.name]
			case f.secret && v == "":
				return fmt.Errorf("%s %s is required: %w", gateway, f.name, booking.ErrInvalid)
			case f.secret:
				if rec.Sealed[f.name], err = r.cfg.Key.SealSecret(secrets.Secret(v), sealContext(merchantID, gateway, f.name)); err != nil {
					return err
				}
			case v == "" && !f.optional:
				return fmt.Errorf("%s %s is required: %w", gateway, f.name, booking.ErrInvalid)
			case v != "":
				rec.Settings[f.name] = v
			}
		}
		a, err := r.open(rec)
		if err != nil {
			return err
		}
		if err := a.check(gateway); err != nil {
			return err
		}
		return tx.PutGatewayAccount(rec)
	})
	if err != nil {
		return nil, err
	}
	return view(rec), nil
}

// Get returns a merchant's stored account of gateway with its secrets omitted.
func (r *Registry) Get(ctx context.Context, merchantID, gateway string) (*bsv1.GatewayAccountView, error) {
	if err := inScope(ctx, merchantID, gateway); err != nil {
		return nil, err
	}
	if _, ok := fields[gateway]; !ok {
		return nil, fmt.Errorf("unknown gateway %q (imoje, worldline or stripe): %w", gateway, booking.ErrInvalid)
	}
	rec, err := r.record(ctx, merchantID, gateway)
	if err != nil {
		return nil, err
	}
	return view(rec), nil
}

// inScope refuses another merchant's account than the caller's (booking.Scope) as if
// it did not exist.
func inScope(ctx context.Context, merchantID, gateway string) error {
	return booking.ScopeOf(ctx).Check(merchantID, fmt.Sprintf("no %s account for merchant %q", gateway, merchantID))
}

// record reads a merchant's stored account of gateway; ErrNotFound when there is none.
func (r *Registry) record(ctx context.Context, merchantID, gateway string) (*bsv1.GatewayAccountRecord, error) {
	var rec *bsv1.GatewayAccountRecord
	err := r.cfg.Store.View(ctx, func(tx booking.ReadTx) error {
		var err error
		rec, err = tx.GatewayAccount(merchantID, gateway)
		return err
	})
	if errors.Is(err, booking.ErrNotFound) {
		return nil, fmt.Errorf("no %s account for merchant %q: %w", gateway, merchantID, booking.ErrNotFound)
	}
	return rec, err
}

// view is rec as the API shows it: settings, and which secrets are set.
func view(rec *bsv1.GatewayAccountRecord) *bsv1.GatewayAccountView {
	v := &bsv1.GatewayAccountView{MerchantId: rec.GetMerchantId(), Gateway: rec.GetGateway(), Settings: maps.Clone(rec.GetSettings()),
		Secrets: map[string]*bsv1.SecretStatus{}, UpdatedUnix: rec.GetUpdatedUnix()}
	for _, f := range fields[rec.GetGateway()] {
		if f.secret {
			v.Secrets[f.name] = &bsv1.SecretStatus{Set: rec.GetSealed()[f.name] != nil}
		}
	}
	return v
}

// load reads and opens a merchant's account; ErrNotFound when there is none.
func (r *Registry) load(ctx context.Context, merchantID, gateway string) (account, error) {
	if r.cfg.Key == nil {
		return account{}, ErrNoKey
	}
	rec, err := r.record(ctx, merchantID, gateway)
	if err != nil {
		return account{}, err
	}
	return r.open(rec)
}

// open unseals rec's secrets. A secret that does not open (another key, a record copied
// from another merchant) is an error that names the field, never the value.
func (r *Registry) open(rec *bsv1.GatewayAccountRecord) (account, error) {
	a := account{settings: rec.GetSettings(), secrets: map[string]secrets.Secret{}}
	for name, sealed := range rec.GetSealed() {
		s, err := r.cfg.Key.OpenSecret(sealed, sealContext(rec.GetMerchantId(), rec.GetGateway(), name))
		if err != nil {
			return account{}, fmt.Errorf("%s account of merchant %q: %s: %w", rec.GetGateway(), rec.GetMerchantId(), name, err)
		}
		a.secrets[name] = s
	}
	return a, nil
}

// check builds the gateway's client, which validates the account.
func (a account) check(gateway string) error {
	switch gateway {
	case Imoje:
		_, err := imoje.New(a.imojeConfig(nil))
		return err
	case Worldline:
		_, err := worldline.New(a.worldlineConfig(nil))
		return err
	}
	return nil
}

// Field describes one field of a gateway account, for forms (the dashboard's gateway
// settings): a secret is write-only, an optional field may stay empty.
type Field struct {
	Name             string
	Secret, Optional bool
}

// Names are the gateways whose accounts a merchant sets, in the order forms list them.
var Names = []string{Imoje, Worldline, Stripe}

// Fields returns gateway's account fields in the order the API names them (nil for
// an unknown gateway).
func Fields(gateway string) []Field {
	var out []Field
	for _, f := range fields[gateway] {
		out = append(out, Field{Name: f.name, Secret: f.secret, Optional: f.optional})
	}
	return out
}
