package store

// Every bbolt bucket and well-known key, in one place. Keys inside buckets are
// documented next to their bucket; record values are binary protobuf, of our own
// messages (stored.go converts those that carry what Google's API carries).
var (
	// bucketMeta holds keySchemaVersion.
	bucketMeta = []byte("meta")
	// bucketBookings: booking_id → bookingserver.v1.StoredBookingRecord.
	bucketBookings = []byte("bookings")
	// bucketIdempotency: idempotency_token → bookingserver.v1.StoredIdempotencyRecord.
	bucketIdempotency = []byte("idempotency")
	// bucketUserBookings: user_id 0x00 created_unix(8) booking_id → empty (index).
	bucketUserBookings = []byte("user_bookings")
	// bucketMerchants: merchant_id → bookingserver.v1.StoredMerchant.
	bucketMerchants = []byte("merchants")
	// bucketServices: merchant_id 0x00 service_id → bookingserver.v1.StoredService.
	bucketServices = []byte("services")
	// bucketSlots: slot key (slots.go) → bookingserver.v1.StoredSlotRecord.
	bucketSlots = []byte("slots")
	// bucketSlotBooked: slot key → live bookings holding a spot (8-byte big-endian).
	// Kept apart from bucketSlots so that feed loads never touch booking counts.
	bucketSlotBooked = []byte("slot_booked")
	// bucketFeedState: feed kind name → bookingserver.v1.FeedState.
	bucketFeedState = []byte("feed_state")
	// bucketPendingPayments: booking_id → empty, for bookings whose payment is PENDING.
	bucketPendingPayments = []byte("pending_payments")
	// bucketPendingRefunds: booking_id → empty, for bookings with a pending refund
	// (payment.pending_refunds not empty).
	bucketPendingRefunds = []byte("pending_refunds")
	// bucketLedger: booking_id 0x00 sequence(8) → bookingserver.v1.LedgerEntry.
	bucketLedger = []byte("ledger")
	// bucketFeedShards: kind 0x00 nonce(8) shard(4) → raw shard JSON awaiting its siblings.
	bucketFeedShards = []byte("feed_shards")
	// bucketOutbox: id (8-byte big-endian, bucket sequence) → bookingserver.v1.StoredOutboxRecord
	// (PENDING). Key order is enqueue order, hence delivery order per booking.
	bucketOutbox = []byte("outbox")
	// bucketOutboxDead: id (as in bucketOutbox) → bookingserver.v1.StoredOutboxRecord (DEAD).
	bucketOutboxDead = []byte("outbox_dead")
	// bucketMerchantCarts: merchant_id → bookingserver.v1.MerchantCart.
	bucketMerchantCarts = []byte("merchant_carts")
	// bucketServiceCarts: merchant_id 0x00 service_id → bookingserver.v1.StoredServiceCart.
	bucketServiceCarts = []byte("service_carts")
	// bucketCartDeadlines: expires_unix(8) booking_id → empty, for live bookings whose
	// cart payment is awaited (index; key order is auto-cancel order).
	bucketCartDeadlines = []byte("cart_deadlines")
	// bucketRefundDue: booking_id → empty, for bookings paid in the cart that do not
	// take place (index).
	bucketRefundDue = []byte("refund_due")
	// bucketGatewayAccounts: merchant_id 0x00 gateway → bookingserver.v1.GatewayAccountRecord
	// (secrets sealed).
	bucketGatewayAccounts = []byte("gateway_accounts")
	// bucketWebhookEvents: dedupe key (gateway 0x00 merchant_id 0x00 event key) →
	// applied_unix (8-byte big-endian), for webhooks already applied.
	bucketWebhookEvents = []byte("webhook_events")
	// bucketMerchantKeys: SHA-256 of the key (32) → bookingserver.v1.MerchantKeyRecord.
	bucketMerchantKeys = []byte("merchant_keys")
	// bucketMerchantKeyIDs: merchant_id 0x00 created_unix(8) key_id → key hash (index:
	// a merchant's keys, oldest first).
	bucketMerchantKeyIDs = []byte("merchant_key_ids")
	// bucketStaff: email (lower case) → bookingserver.v1.StaffAccountRecord.
	bucketStaff = []byte("staff")
	// bucketSessions: SHA-256 of the session cookie (32) → bookingserver.v1.SessionRecord.
	bucketSessions = []byte("sessions")
	// bucketMerchantSettings: merchant_id → bookingserver.v1.MerchantSettingsRecord.
	bucketMerchantSettings = []byte("merchant_settings")
	// bucketMerchantBookings: merchant_id 0x00 start_sec(8) booking_id → empty (index:
	// a merchant's bookings by slot start; merchantindex.go).
	bucketMerchantBookings = []byte("merchant_bookings")
	// bucketBookingStarts: booking_id → the start_sec(8) it is indexed under in
	// bucketMerchantBookings.
	bucketBookingStarts = []byte("booking_starts")

	// bucketRTU: merchant_id 0x00 service_id 0x00 start(8) end(8) →
	// bookingserver.v1.AvailabilityRecord (PENDING): a window of slot starts whose open
	// spots changed since Google was last told (rtu.go). Key order groups a service's
	// windows, so one call can carry them together.
	bucketRTU = []byte("rtu")
	// bucketRTUDead: key as in bucketRTU → bookingserver.v1.AvailabilityRecord (DEAD).
	bucketRTUDead = []byte("rtu_dead")

	// bucketOutboxDelivered: booking_id 0x00 id(8) → bookingserver.v1.StoredOutboxRecord
	// (DELIVERED): a booking's delivered notifications, for its dashboard page.
	bucketOutboxDelivered = []byte("outbox_delivered")
	// bucketFeedLoads: merchant_id 0x00 at_unix_nano(8) → bookingserver.v1.FeedLoadRecord,
	// the last feedLoadsKept loads of each merchant (the admin's under "").
	bucketFeedLoads = []byte("feed_loads")
	// bucketInventoryRTU: merchant_id 0x00 service_id (empty for the merchant) →
	// bookingserver.v1.InventoryRecord (PENDING): a merchant or service that a feed load
	// added, changed or removed since Google was last told (inventoryrtu.go). A
	// merchant's key sorts before its services'.
	bucketInventoryRTU = []byte("inventory_rtu")
	// bucketInventoryRTUDead: key as in bucketInventoryRTU → InventoryRecord (DEAD).
	bucketInventoryRTUDead = []byte("inventory_rtu_dead")
	// bucketPublications: started_unix_nano(8) → bookingserver.v1.PublicationRecord, the
	// last publicationsKept uploads of the feeds (publications.go).
	bucketPublications = []byte("publications")

	// keySchemaVersion in bucketMeta: big-endian uint64, the last migration applied.
	keySchemaVersion = []byte("schema_version")
	// keyErasedBefore in bucketMeta: big-endian slot start second below which every
	// booking's customer data is erased (EraseCustomerData).
	keyErasedBefore = []byte("customer_data_erased_before")
)
