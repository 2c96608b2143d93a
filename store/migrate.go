package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migration moves the schema forward by one version inside one write transaction.
type migration func(tx *bolt.Tx) error

// migrations are applied in order; migrations[i] brings the schema to version i+1.
// Append only: a released migration never changes.
var migrations = []migration{
	createBuckets(bucketBookings, bucketIdempotency),
	createBuckets(bucketUserBookings, bucketMerchants, bucketServices, bucketSlots, bucketSlotBooked, bucketFeedState, bucketFeedShards),
	createBuckets(bucketOutbox, bucketOutboxDead),
	createBuckets(bucketPendingPayments, bucketLedger),
	createBuckets(bucketMerchantCarts, bucketServiceCarts, bucketCartDeadlines, bucketRefundDue),
	createBuckets(bucketGatewayAccounts, bucketWebhookEvents),
	indexLedgerCharges,
	createBuckets(bucketMerchantKeys, bucketMerchantKeyIDs, bucketStaff, bucketSessions, bucketMerchantSettings),
	createBuckets(bucketPendingRefunds),
	createBuckets(bucketRTU, bucketRTUDead),
	indexMerchantBookings,
	createBuckets(bucketOutboxDelivered, bucketFeedLoads),
	createBuckets(bucketInventoryRTU, bucketInventoryRTUDead),
	createBuckets(bucketPublications),
}

// SchemaVersion is the version this binary writes.
var SchemaVersion = uint64(len(migrations))

// createBuckets returns a migration that creates the named buckets.
func createBuckets(names ...[]byte) migration {
	return func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}
}

// migrate applies every migration newer than the file's schema version, each in its
// own transaction, and refuses a file written by a newer binary.
func migrate(db *bolt.DB) error {
	current, err := schemaVersion(db)
	if err != nil {
		return err
	}
	if current > SchemaVersion {
		return fmt.Errorf("data file has schema version %d, newer than this binary's %d: upgrade bookingserver", current, SchemaVersion)
	}
	for v := current; v < SchemaVersion; v++ {
		err := db.Update(func(tx *bolt.Tx) error {
			if err := migrations[v](tx); err != nil {
				return err
			}
			return putSchemaVersion(tx, v+1)
		})
		if err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
	}
	return nil
}

func schemaVersion(db *bolt.DB) (uint64, error) {
	var v uint64
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if raw := b.Get(keySchemaVersion); raw != nil {
			if len(raw) != 8 {
				return fmt.Errorf("corrupt schema version (%d bytes)", len(raw))
			}
			v = binary.BigEndian.Uint64(raw)
		}
		return nil
	})
	return v, err
}

func putSchemaVersion(tx *bolt.Tx, v uint64) error {
	return tx.Bucket(bucketMeta).Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, v))
}
