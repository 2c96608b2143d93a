package server

import (
	"context"
	"fmt"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/tenant"
)

// keyService implements bookingserver.v1.MerchantKeyService (admin token only; see
// policy.go).
type keyService struct {
	bsv1.UnimplementedMerchantKeyServiceServer
	// keys is nil when the server has no key store: every call is Unavailable.
	keys *tenant.Keys
}

func (k *keyService) check(ctx context.Context) error {
	if k.keys == nil {
		return toStatus(ctx, fmt.Errorf("merchant keys are not configured: %w", booking.ErrUnavailable))
	}
	return nil
}

// CreateMerchantKey mints a key and answers it once.
func (k *keyService) CreateMerchantKey(ctx context.Context, req *bsv1.CreateMerchantKeyRequest) (*bsv1.CreateMerchantKeyResponse, error) {
	if err := k.check(ctx); err != nil {
		return nil, err
	}
	id, key, err := k.keys.Create(ctx, req.GetMerchantId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.CreateMerchantKeyResponse{KeyId: id, Key: key}, nil
}

// ListMerchantKeys lists a merchant's keys without their secrets.
func (k *keyService) ListMerchantKeys(ctx context.Context, req *bsv1.ListMerchantKeysRequest) (*bsv1.ListMerchantKeysResponse, error) {
	if err := k.check(ctx); err != nil {
		return nil, err
	}
	recs, err := k.keys.List(ctx, req.GetMerchantId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	resp := &bsv1.ListMerchantKeysResponse{}
	for _, r := range recs {
		resp.Keys = append(resp.Keys, &bsv1.MerchantKeyInfo{KeyId: r.GetKeyId(), CreatedUnix: r.GetCreatedUnix(), LastUsedUnix: r.GetLastUsedUnix()})
	}
	return resp, nil
}

// RevokeMerchantKey revokes a key.
func (k *keyService) RevokeMerchantKey(ctx context.Context, req *bsv1.RevokeMerchantKeyRequest) (*bsv1.RevokeMerchantKeyResponse, error) {
	if err := k.check(ctx); err != nil {
		return nil, err
	}
	if err := k.keys.Revoke(ctx, req.GetMerchantId(), req.GetKeyId()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return &bsv1.RevokeMerchantKeyResponse{}, nil
}
