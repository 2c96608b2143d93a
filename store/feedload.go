package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// LoadSummary tells what one feed upload did.
type LoadSummary struct {
	// Kind is the feed kind.
	Kind bsv1.FeedKind
	// PendingShards is the number of shards still missing; nothing is applied until 0.
	PendingShards int
	// Records is the number of merchants, services or slots (recurrences expanded) applied.
	Records int
	// Removed is the number of records a complete feed or a restrict range removed.
	Removed int
	// BookedSlotsRemoved is the number of removed slots that still hold live bookings;
	// the bookings are kept and keep their spots.
	BookedSlotsRemoved int
}

// String is the one-line summary shown by the CLI and the upload endpoint.
func (s LoadSummary) String() string {
	name := kindName(s.Kind)
	if s.PendingShards > 0 {
		return fmt.Sprintf("%s feed: shard stored, waiting for %d more shard(s)", name, s.PendingShards)
	}
	return fmt.Sprintf("%s feed applied: %d record(s), %d removed, %d removed slot(s) still booked (bookings kept)", name, s.Records, s.Removed, s.BookedSlotsRemoved)
}

func kindName(k bsv1.FeedKind) string {
	switch k {
	case bsv1.FeedKind_FEED_KIND_MERCHANT:
		return "merchant"
	case bsv1.FeedKind_FEED_KIND_SERVICE:
		return "service"
	case bsv1.FeedKind_FEED_KIND_AVAILABILITY:
		return "availability"
	}
	return "unknown"
}

// parsedFeed is one feed of any kind, parsed.
type parsedFeed interface {
	proto.Message
	GetMetadata() *acv3.FeedMetadata
}

func parseFeed(kind bsv1.FeedKind, data []byte) (parsedFeed, error) {
	var (
		f   parsedFeed
		err error
	)
	switch kind {
	case bsv1.FeedKind_FEED_KIND_MERCHANT:
		f, err = feeds.ParseMerchantFeed(data)
	case bsv1.FeedKind_FEED_KIND_SERVICE:
		f, err = feeds.ParseServiceFeed(data)
	case bsv1.FeedKind_FEED_KIND_AVAILABILITY:
		f, err = feeds.ParseAvailabilityFeed(data)
	default:
		return nil, fmt.Errorf("unknown feed kind %v: %w", kind, booking.ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("%s feed: %w: %w", kindName(kind), err, booking.ErrInvalid)
	}
	return f, nil
}

// LoadFeed validates and applies one feed file. A feed with any error is refused whole;
// a valid one is applied in one transaction. A shard of a sharded feed is kept until
// every shard with its nonce has arrived; then all are applied together. A feed older
// (by generation_timestamp) than the last one applied of its kind is refused. Existing
// bookings are never changed by a feed. A caller scoped to one merchant
// (booking.ScopeOf) may upload that merchant's records only.
func (s *Store) LoadFeed(ctx context.Context, kind bsv1.FeedKind, data []byte) (LoadSummary, error) {
	if m := booking.ScopeOf(ctx).MerchantID(); m != "" {
		if err := onlyMerchant(kind, data, m); err != nil {
			return LoadSummary{Kind: kind}, err
		}
	}
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	if kind == bsv1.FeedKind_FEED_KIND_AVAILABILITY {
		return s.loadAvailability(ctx, data)
	}
	sum := LoadSummary{Kind: kind}
	f, err := parseFeed(kind, data)
	if err != nil {
		return sum, err
	}
	meta := f.GetMetadata()
	if err := s.checkGeneration(kind, meta); err != nil {
		return sum, err
	}
	if meta.GetTotalShards() > 1 {
		f, sum.PendingShards, err = s.collectShards(kind, meta, data)
		if err != nil || sum.PendingShards > 0 {
			return sum, err
		}
	}
	if err := s.validate(kind, f); err != nil {
		return sum, err
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		sum = LoadSummary{Kind: kind}
		if err := apply(tx, f, completeScope(ctx), &sum); err != nil {
			return err
		}
		return finishFeed(tx, kind, meta)
	})
	return sum, err
}

// completeScope is what a complete feed replaces: for the platform's admin every
// record of its kind (Google's feed metadata: "anything previously supplied by this
// partner will be deleted"), shown as ""; for a caller scoped to one merchant, that
// merchant's records only.
func completeScope(ctx context.Context) string {
	return booking.ScopeOf(ctx).MerchantID()
}

// onlyMerchant refuses a feed with records of another merchant than merchantID. It
// decodes the feed whole (also an availability feed, which LoadFeed otherwise
// streams): a single merchant's feed is small.
func onlyMerchant(kind bsv1.FeedKind, data []byte, merchantID string) error {
	f, err := parseFeed(kind, data)
	if err != nil {
		return err
	}
	if err := feeds.OnlyMerchant(f, merchantID); err != nil {
		return fmt.Errorf("%w: %w", err, booking.ErrInvalid)
	}
	return nil
}

// finishFeed records, in the transaction that applies a feed, that it was
// applied, and drops its stored shards.
func finishFeed(tx *bolt.Tx, kind bsv1.FeedKind, meta *acv3.FeedMetadata) error {
	if meta.GetTotalShards() > 1 {
		if err := deleteShards(tx, kind, meta.GetNonce()); err != nil {
			return err
		}
	}
	state := &bsv1.FeedState{GenerationTimestamp: meta.GetGenerationTimestamp(), Nonce: meta.GetNonce(), AppliedUnix: time.Now().Unix()}
	return putRecord(tx.Bucket(bucketFeedState), []byte(kindName(kind)), state)
}

// checkGeneration refuses a feed older than the last applied one of its kind.
func (s *Store) checkGeneration(kind bsv1.FeedKind, meta *acv3.FeedMetadata) error {
	return s.db.View(func(tx *bolt.Tx) error {
		applied := &bsv1.FeedState{}
		err := getRecord(tx.Bucket(bucketFeedState), []byte(kindName(kind)), applied)
		return refuseOlder(kind, meta, applied, err)
	})
}

// refuseOlder refuses meta when it is older than applied, the feed state of kind
// as read with err (booking.ErrNotFound: no feed of kind applied yet). Both
// stores' checkGeneration end here.
func refuseOlder(kind bsv1.FeedKind, meta *acv3.FeedMetadata, applied *bsv1.FeedState, err error) error {
	if errors.Is(err, booking.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if meta.GetGenerationTimestamp() < applied.GetGenerationTimestamp() {
		return fmt.Errorf("%s feed: generation_timestamp %d is older than the applied feed's %d; refused: %w",
			kindName(kind), meta.GetGenerationTimestamp(), applied.GetGenerationTimestamp(), booking.ErrConflict)
	}
	return nil
}

// shardPrefix is the key prefix of the stored shards of one sharded feed.
func shardPrefix(kind bsv1.FeedKind, nonce uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(kindName(kind)), 0), nonce)
}

// storeShard stores a shard and returns how many shards of its nonce are missing.
func (s *Store) storeShard(kind bsv1.FeedKind, meta *acv3.FeedMetadata, data []byte) (int, error) {
	prefix := shardPrefix(kind, meta.GetNonce())
	stored := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeedShards)
		if err := b.Put(binary.BigEndian.AppendUint32(bytes.Clone(prefix), uint32(meta.GetShardNumber())), data); err != nil {
			return err
		}
		stored = 0
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			stored++
		}
		return nil
	})
	return max(0, int(meta.GetTotalShards())-stored), err
}

// forEachShard calls fn with each stored shard of a nonce, in shard order, inside
// tx: the bytes are bbolt's and valid only there.
func forEachShard(tx *bolt.Tx, kind bsv1.FeedKind, nonce uint64, fn func(i int, data []byte) error) error {
	prefix := shardPrefix(kind, nonce)
	c := tx.Bucket(bucketFeedShards).Cursor()
	i := 0
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(i, v); err != nil {
			return err
		}
		i++
	}
	return nil
}

// errShardsDisagree is the error for shards of one nonce with different total_shards.
func errShardsDisagree(kind bsv1.FeedKind, nonce uint64, got, want int32) error {
	return fmt.Errorf("%s feed nonce %d: shards disagree on total_shards (%d vs %d): %w",
		kindName(kind), nonce, got, want, booking.ErrInvalid)
}

// collectShards stores a shard and, once every shard of its nonce is there, returns
// them merged into one feed.
func (s *Store) collectShards(kind bsv1.FeedKind, meta *acv3.FeedMetadata, data []byte) (parsedFeed, int, error) {
	missing, err := s.storeShard(kind, meta, data)
	if err != nil || missing > 0 {
		return nil, missing, err
	}
	var raws [][]byte
	err = s.db.View(func(tx *bolt.Tx) error {
		return forEachShard(tx, kind, meta.GetNonce(), func(_ int, v []byte) error {
			raws = append(raws, bytes.Clone(v))
			return nil
		})
	})
	if err != nil {
		return nil, 0, err
	}
	merged, err := mergeShards(kind, meta, raws)
	return merged, 0, err
}

// mergeShards parses the shards of the feed of meta, in shard order, and merges
// them into one feed.
func mergeShards(kind bsv1.FeedKind, meta *acv3.FeedMetadata, raws [][]byte) (parsedFeed, error) {
	var merged parsedFeed
	for i, raw := range raws {
		f, err := parseFeed(kind, raw)
		if err != nil {
			return nil, fmt.Errorf("shard %d: %w", i, err)
		}
		if f.GetMetadata().GetTotalShards() != meta.GetTotalShards() {
			return nil, errShardsDisagree(kind, meta.GetNonce(), f.GetMetadata().GetTotalShards(), meta.GetTotalShards())
		}
		if merged == nil {
			merged = f
			continue
		}
		proto.Merge(merged, f) // repeated record fields append
	}
	merged.GetMetadata().ShardNumber = 0
	return merged, nil
}

func deleteShards(tx *bolt.Tx, kind bsv1.FeedKind, nonce uint64) error {
	return deletePrefix(tx.Bucket(bucketFeedShards), shardPrefix(kind, nonce), nil)
}

// deletePrefix deletes every key with prefix, calling onDelete (if any) first.
func deletePrefix(b *bolt.Bucket, prefix []byte, onDelete func(k []byte)) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if onDelete != nil {
			onDelete(k)
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
