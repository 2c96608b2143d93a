package store

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// slotBatch is an availability feed turned, as it streams past, into what loading
// it writes: the key and encoded SlotRecord of every slot (recurrences expanded),
// the service_availabilities whose restricts delete a range, and the merchants the
// feed covers. It is the feeds.AvailabilityVisitor of a load. A million slots
// take some 150 MB here, where the decoded feed took 900 MB.
//
// Keys and records are packed into large chunks and the pairs are small offsets
// into them, so that a million slots make a few hundred allocations instead of
// some millions, and so that nothing of the decoded feed is kept.
type slotBatch struct {
	stream *feeds.AvailabilityStream
	// parseOnly skips building the writes: the feed is being checked, not loaded.
	parseOnly bool
	// meta is the metadata of the feed (the shard) decoded last.
	meta *acv3.FeedMetadata

	chunks [][]byte
	pairs  []slotPair
	// restricts are the service_availabilities whose restricts delete slots,
	// without their slots.
	restricts []*acv3.ServiceAvailability
}

// slotPair is one slot to write: its key, then its value, at off in chunks[chunk].
type slotPair struct {
	chunk, off, keyLen, valueLen uint32
}

const (
	// chunkSize is the size of the buffers keys and records are packed into.
	chunkSize = 1 << 20
	// minChunkFree is the room a slot needs to be packed into the current chunk
	// without a likely overflow (a slot takes about 150 bytes).
	minChunkFree = 4 << 10
)

// newSlotBatch returns an empty batch that stream checks.
func newSlotBatch(stream *feeds.AvailabilityStream) *slotBatch {
	return &slotBatch{stream: stream}
}

// Metadata notes the feed's metadata.
func (b *slotBatch) Metadata(md *acv3.FeedMetadata) error {
	b.meta = md
	return nil
}

// ServiceAvailability notes the restricts of sa.
func (b *slotBatch) ServiceAvailability(sa *acv3.ServiceAvailability) error {
	if hasTimeRestrict(sa) {
		b.restricts = append(b.restricts, sa)
	}
	return nil
}

// Slot expands a and packs the key and record of each slot it stands for. Once
// the feed is known to be refused, it stops packing and drops what it packed.
func (b *slotBatch) Slot(a *acv3.Availability) error {
	if b.parseOnly {
		return nil
	}
	if !b.stream.Valid() {
		b.chunks, b.pairs = nil, nil
		return nil
	}
	err := feeds.Expand(a, b.add)
	if err != nil {
		return fmt.Errorf("expand slot of %s/%s at %d: %w", a.GetMerchantId(), a.GetServiceId(), a.GetStartSec(), err)
	}
	return nil
}

// add packs the key and record of one slot.
func (b *slotBatch) add(one *acv3.Availability) error {
	if len(b.chunks) == 0 || cap(b.chunks[len(b.chunks)-1])-len(b.chunks[len(b.chunks)-1]) < minChunkFree {
		b.chunks = append(b.chunks, make([]byte, 0, chunkSize))
	}
	last := len(b.chunks) - 1
	chunk := b.chunks[last]
	off := len(chunk)
	buf := feeds.AppendSlotKey(chunk, one)
	keyLen := len(buf) - off
	buf, err := recordMarshal.MarshalAppend(buf, storedSlotRecord(one))
	if err != nil {
		return err
	}
	if cap(buf) != cap(chunk) {
		// The slot did not fit (a huge record) and append moved the chunk:
		// give the slot a chunk of its own and keep the old one as it was.
		own := bytes.Clone(buf[off:])
		b.chunks = append(b.chunks, own[:len(own):len(own)])
		last, off, buf = last+1, 0, own
	}
	b.chunks[last] = buf
	b.pairs = append(b.pairs, slotPair{chunk: uint32(last), off: uint32(off), keyLen: uint32(keyLen), valueLen: uint32(len(buf) - off - keyLen)})
	return nil
}

// key returns the key of p.
func (b *slotBatch) key(p slotPair) []byte {
	c := b.chunks[p.chunk]
	return c[p.off : p.off+p.keyLen : p.off+p.keyLen]
}

// value returns the encoded SlotRecord of p.
func (b *slotBatch) value(p slotPair) []byte {
	c := b.chunks[p.chunk]
	start := p.off + p.keyLen
	return c[start : start+p.valueLen : start+p.valueLen]
}

// sort puts the pairs in key order, the order in which bbolt inserts fastest and
// packs pages fullest. A feed usually lists each service's slots in start order,
// which is key order, so the check comes first. Pairs with the same key (a slot
// that overlapping recurrences both produce) keep their feed order, so that the
// last one written wins, as before.
func (b *slotBatch) sort() {
	cmp := func(x, y slotPair) int {
		if c := bytes.Compare(b.key(x), b.key(y)); c != 0 {
			return c
		}
		if x.chunk != y.chunk {
			return int(x.chunk) - int(y.chunk)
		}
		return int(x.off) - int(y.off)
	}
	if !slices.IsSortedFunc(b.pairs, cmp) {
		slices.SortFunc(b.pairs, cmp)
	}
}

// has reports whether the sorted batch writes key.
func (b *slotBatch) has(key []byte) bool {
	_, found := slices.BinarySearchFunc(b.pairs, key, func(p slotPair, k []byte) int { return bytes.Compare(b.key(p), k) })
	return found
}
