package store

import (
	"encoding/binary"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Gateway accounts and webhook dedupe marks (booking.GatewayReadTx, booking.GatewayTx).

func (t txn) GatewayAccount(merchantID, gateway string) (*bsv1.GatewayAccountRecord, error) {
	r := &bsv1.GatewayAccountRecord{}
	return r, getRecord(t.tx.Bucket(bucketGatewayAccounts), serviceKey(merchantID, gateway), r)
}

func (t txn) PutGatewayAccount(r *bsv1.GatewayAccountRecord) error {
	return putRecord(t.tx.Bucket(bucketGatewayAccounts), serviceKey(r.GetMerchantId(), r.GetGateway()), r)
}

func (t txn) WebhookSeen(key string) (bool, error) {
	return t.tx.Bucket(bucketWebhookEvents).Get([]byte(key)) != nil, nil
}

func (t txn) MarkWebhook(key string, atUnix int64) error {
	return t.tx.Bucket(bucketWebhookEvents).Put([]byte(key), binary.BigEndian.AppendUint64(nil, uint64(atUnix)))
}
