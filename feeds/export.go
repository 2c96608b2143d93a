package feeds

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Feed export: our current state as Google's feed JSON, the files we upload to
// Google's dropboxes every day. Each export is PROCESS_AS_COMPLETE (Google's launch
// milestones ask for complete feeds; incremental ones are deprecated) with one
// generation_timestamp and one nonce on all its shards, records in snake_case proto
// names with int64 values as strings, as `feeds load` and Google read them.

// ExportKind names a feed type: the file's top-level array.
type ExportKind string

// The three feed types.
const (
	ExportMerchant     ExportKind = "merchant"
	ExportService      ExportKind = "service"
	ExportAvailability ExportKind = "availability"
)

// DefaultShardRecords is how many records one shard holds at most. Google takes
// shards in any order and number (nonce and total_shards tie them together); 100,000
// slots is about 15 MB of JSON, a size every SFTP upload and feed parser handles
// comfortably, and most partners' merchant and service feeds fit in one shard.
const DefaultShardRecords = 100_000

// Inventory is what an export reads, from one consistent snapshot.
type Inventory interface {
	// Merchants calls fn for every merchant.
	Merchants(fn func(*acv3.Merchant) error) error
	// Services calls fn for every service.
	Services(fn func(*acv3.Service) error) error
	// Slots calls fn for every slot (recurrences expanded), its spots_open set to what
	// is open now: the feed's spots_open less live bookings and cart holds.
	Slots(fn func(*acv3.Availability) error) error
}

// ExportOptions are an export's metadata and sharding.
type ExportOptions struct {
	// GenerationTimestamp is the feed's generation_timestamp; 0 is now.
	GenerationTimestamp int64
	// Nonce ties the shards together; 0 picks a random one.
	Nonce uint64
	// ShardRecords caps the records of a shard; 0 is DefaultShardRecords.
	ShardRecords int
}

// ExportInfo describes a finished export.
type ExportInfo struct {
	Kind                ExportKind
	GenerationTimestamp int64
	Nonce               uint64
	TotalShards         int
	Records             int
}

// Export writes the kind feed of inv as COMPLETE shards: open(shard, total) gives
// the writer of each shard in turn (zero-based). It reads inv twice (a count, then
// the records), so inv must be one snapshot.
func Export(kind ExportKind, inv Inventory, opts ExportOptions, open func(shard, total int) (io.Writer, error)) (ExportInfo, error) {
	info := ExportInfo{Kind: kind, GenerationTimestamp: opts.GenerationTimestamp, Nonce: opts.Nonce}
	if info.GenerationTimestamp == 0 {
		info.GenerationTimestamp = time.Now().Unix()
	}
	if info.Nonce == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		info.Nonce = binary.BigEndian.Uint64(b[:]) | 1 // never 0
	}
	per := opts.ShardRecords
	if per <= 0 {
		per = DefaultShardRecords
	}
	each, err := records(kind, inv)
	if err != nil {
		return info, err
	}
	if err := each(func(proto.Message) error { info.Records++; return nil }); err != nil {
		return info, err
	}
	info.TotalShards = max(1, (info.Records+per-1)/per)
	sw := &shardWriter{kind: kind, info: info, per: per, open: open}
	if err := each(sw.write); err != nil {
		return info, err
	}
	return info, sw.finish()
}

// records returns the iteration over kind's records.
func records(kind ExportKind, inv Inventory) (func(fn func(proto.Message) error) error, error) {
	switch kind {
	case ExportMerchant:
		return func(fn func(proto.Message) error) error {
			return inv.Merchants(func(m *acv3.Merchant) error { return fn(m) })
		}, nil
	case ExportService:
		return func(fn func(proto.Message) error) error {
			return inv.Services(func(s *acv3.Service) error { return fn(s) })
		}, nil
	case ExportAvailability:
		return func(fn func(proto.Message) error) error {
			return inv.Slots(func(a *acv3.Availability) error { return fn(a) })
		}, nil
	}
	return nil, fmt.Errorf("unknown feed kind %q: use merchant, service or availability", kind)
}

// exportJSON is the record encoding: Google's snake_case names, int64 as strings.
var exportJSON = protojson.MarshalOptions{UseProtoNames: true}

// shardWriter streams records into shards of at most per records.
type shardWriter struct {
	kind  ExportKind
	info  ExportInfo
	per   int
	open  func(shard, total int) (io.Writer, error)
	w     *bufio.Writer
	shard int
	n     int // records in the current shard
}

// start opens shard sw.shard and writes its metadata and the array's opening.
func (sw *shardWriter) start() error {
	out, err := sw.open(sw.shard, sw.info.TotalShards)
	if err != nil {
		return err
	}
	sw.w, sw.n = bufio.NewWriterSize(out, 64<<10), 0
	meta, err := exportJSON.Marshal(&acv3.FeedMetadata{
		ProcessingInstruction: acv3.FeedMetadata_PROCESS_AS_COMPLETE,
		ShardNumber:           int32(sw.shard), TotalShards: int32(sw.info.TotalShards),
		Nonce: sw.info.Nonce, GenerationTimestamp: sw.info.GenerationTimestamp,
	})
	if err != nil {
		return err
	}
	array := map[ExportKind]string{ExportMerchant: "merchant", ExportService: "service", ExportAvailability: "service_availability"}[sw.kind]
	fmt.Fprintf(sw.w, "{\"metadata\":%s,\n\"%s\":[", meta, array)
	if sw.kind == ExportAvailability {
		sw.w.WriteString(`{"availability":[`)
	}
	return nil
}

// end closes the current shard's arrays and flushes it.
func (sw *shardWriter) end() error {
	if sw.kind == ExportAvailability {
		sw.w.WriteString("]}")
	}
	sw.w.WriteString("\n]}\n")
	return sw.w.Flush()
}

func (sw *shardWriter) write(m proto.Message) error {
	if sw.w == nil {
		if err := sw.start(); err != nil {
			return err
		}
	} else if sw.n == sw.per {
		if err := sw.end(); err != nil {
			return err
		}
		sw.shard++
		if sw.shard >= sw.info.TotalShards {
			return errors.New("export: more records than counted (the inventory changed during the export)")
		}
		if err := sw.start(); err != nil {
			return err
		}
	}
	raw, err := exportJSON.Marshal(m)
	if err != nil {
		return err
	}
	if sw.n > 0 {
		sw.w.WriteByte(',')
	}
	sw.w.WriteString("\n")
	sw.w.Write(raw)
	sw.n++
	return nil
}

// finish ends the last shard (an empty feed is one shard with no records).
func (sw *shardWriter) finish() error {
	if sw.w == nil {
		if err := sw.start(); err != nil {
			return err
		}
	}
	if err := sw.end(); err != nil {
		return err
	}
	if sw.shard != sw.info.TotalShards-1 {
		return errors.New("export: fewer records than counted (the inventory changed during the export)")
	}
	return nil
}
