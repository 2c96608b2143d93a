package feeds

import acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"

// checkMetadata checks the FeedMetadata every feed starts with.
func checkMetadata(ps *problems, md *acv3.FeedMetadata) {
	const record = label("metadata")
	if md == nil {
		ps.add(record, "metadata", "missing")
		return
	}
	switch md.GetProcessingInstruction() {
	case acv3.FeedMetadata_PROCESS_AS_COMPLETE, acv3.FeedMetadata_PROCESS_AS_INCREMENTAL:
	default:
		ps.add(record, "processing_instruction", "is %v; want PROCESS_AS_COMPLETE or PROCESS_AS_INCREMENTAL",
			md.GetProcessingInstruction())
	}
	total, shard := md.GetTotalShards(), md.GetShardNumber()
	switch {
	case total < 1:
		ps.add(record, "total_shards", "is %d; want at least 1", total)
	case shard < 0 || shard >= total:
		ps.add(record, "shard_number", "is %d; want 0 to %d (total_shards %d)", shard, total-1, total)
	}
	if total > 1 && md.GetNonce() == 0 {
		ps.add(record, "nonce", "missing; required when total_shards > 1, the same on every shard")
	}
	if md.GetGenerationTimestamp() <= 0 {
		ps.add(record, "generation_timestamp", "missing; want the feed's creation time in Unix seconds")
	}
}
