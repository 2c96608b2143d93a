package store

// Every bbolt bucket and well-known key, in one place. Keys inside buckets are
// documented next to their bucket; record values are binary protobuf.
var (
	// bucketMeta holds keySchemaVersion.
	bucketMeta = []byte("meta")
	// bucketBookings: booking_id → bookingserver.v1.BookingRecord.
	bucketBookings = []byte("bookings")
	// bucketIdempotency: idempotency_token → bookingserver.v1.IdempotencyRecord.
	bucketIdempotency = []byte("idempotency")

	// keySchemaVersion in bucketMeta: big-endian uint64, the last migration applied.
	keySchemaVersion = []byte("schema_version")
)
