-- The dashboard's reads (store/pgdashboard.go): a merchant's bookings by slot start
-- (merchant_id and start_sec are filled by PutBooking; rows written before this
-- migration are filled from their records when the store opens), a booking's
-- notifications in every state, and each merchant's last feed loads.
ALTER TABLE bookings ADD COLUMN merchant_id text, ADD COLUMN start_sec bigint;
CREATE INDEX bookings_by_merchant_start ON bookings (merchant_id, start_sec, booking_id);
CREATE INDEX outbox_dead_by_booking ON outbox_dead (booking_id, id);
CREATE TABLE outbox_delivered (
	id bigint PRIMARY KEY,
	booking_id text NOT NULL,
	record bytea NOT NULL
);
CREATE INDEX outbox_delivered_by_booking ON outbox_delivered (booking_id, id);
CREATE TABLE feed_loads (
	merchant_id text NOT NULL,
	at_unix_nano bigint NOT NULL,
	record bytea NOT NULL,
	PRIMARY KEY (merchant_id, at_unix_nano)
);
