package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// loadAvailability is LoadFeed for an availability feed, which is streamed rather
// than decoded whole: a million-slot feed decoded whole held some 900 MB of
// messages. One pass over the bytes decodes, validates (in a read transaction,
// against what is loaded) and turns each slot into its key and record; then one
// write transaction applies the batch. The steps and their order are LoadFeed's:
// a parse error first, then the generation check, then the shards (a shard waits
// for the others; the last one streams them all), then the validation problems.
func (s *Store) loadAvailability(ctx context.Context, data []byte) (LoadSummary, error) {
	const kind = bsv1.FeedKind_FEED_KIND_AVAILABILITY
	sum := LoadSummary{Kind: kind}
	var b *slotBatch
	err := s.db.View(func(tx *bolt.Tx) error {
		b = newSlotBatch(feeds.NewAvailabilityStream(newStoreCatalog(tx)))
		return b.stream.Decode(data, &shardSkipper{b})
	})
	if err != nil {
		return sum, parseError(err)
	}
	meta := b.meta
	if err := s.checkGeneration(kind, meta); err != nil {
		return sum, err
	}
	if meta.GetTotalShards() > 1 {
		b = nil
		if sum.PendingShards, err = s.storeShard(kind, meta, data); err != nil || sum.PendingShards > 0 {
			return sum, err
		}
		if b, meta, err = s.streamShards(kind, meta); err != nil {
			return sum, err
		}
	}
	if err := b.stream.Validate(meta); err != nil {
		return sum, fmt.Errorf("%w: %w", err, booking.ErrInvalid)
	}
	b.stream = nil // its duplicate set is as big as the feed
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	b.sort()
	complete := meta.GetProcessingInstruction() == acv3.FeedMetadata_PROCESS_AS_COMPLETE
	err = s.db.Update(func(tx *bolt.Tx) error {
		sum = LoadSummary{Kind: kind}
		if err := applyAvailability(tx, b, complete, completeScope(ctx), &sum); err != nil {
			return err
		}
		return finishFeed(tx, kind, meta)
	})
	return sum, err
}

// shardSkipper passes a feed to its batch, switched to parse only when the
// metadata says the feed is one shard of several: the shards are applied (and so
// encoded) together once the last one is in.
type shardSkipper struct{ *slotBatch }

// Metadata notes md and whether the feed is a shard.
func (s *shardSkipper) Metadata(md *acv3.FeedMetadata) error {
	s.parseOnly = md.GetTotalShards() > 1
	return s.slotBatch.Metadata(md)
}

// parseError wraps a feed decoding error the way parseFeed does; other errors
// (a read transaction's) pass as they are.
func parseError(err error) error {
	var perr *feeds.ParseError
	if errors.As(err, &perr) {
		return fmt.Errorf("%s feed: %w: %w", kindName(bsv1.FeedKind_FEED_KIND_AVAILABILITY), err, booking.ErrInvalid)
	}
	return err
}

// streamShards streams every stored shard of the nonce of meta, in shard order,
// into one batch, and returns it with the merged metadata (that of the shards
// merged in order, as proto.Merge merges the feeds, with shard_number 0).
func (s *Store) streamShards(kind bsv1.FeedKind, meta *acv3.FeedMetadata) (*slotBatch, *acv3.FeedMetadata, error) {
	var (
		b      *slotBatch
		merged *acv3.FeedMetadata
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		b, merged, err = streamShardData(newStoreCatalog(tx), kind, meta, func(fn func(i int, data []byte) error) error {
			return forEachShard(tx, kind, meta.GetNonce(), fn)
		})
		return err
	})
	return b, merged, err
}

// streamShardData is streamShards over any store: each calls fn with every
// stored shard of the nonce of meta, in shard order; cat is what is loaded.
func streamShardData(cat feeds.Catalog, kind bsv1.FeedKind, meta *acv3.FeedMetadata, each func(fn func(i int, data []byte) error) error) (*slotBatch, *acv3.FeedMetadata, error) {
	var merged *acv3.FeedMetadata
	b := newSlotBatch(feeds.NewAvailabilityStream(cat))
	err := each(func(i int, data []byte) error {
		b.meta = nil
		if err := b.stream.Decode(data, b); err != nil {
			return fmt.Errorf("shard %d: %w", i, parseError(err))
		}
		if got := b.meta.GetTotalShards(); got != meta.GetTotalShards() {
			return errShardsDisagree(kind, meta.GetNonce(), got, meta.GetTotalShards())
		}
		if merged == nil {
			merged = proto.Clone(b.meta).(*acv3.FeedMetadata)
		} else {
			proto.Merge(merged, b.meta)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	merged.ShardNumber = 0
	return b, merged, nil
}
