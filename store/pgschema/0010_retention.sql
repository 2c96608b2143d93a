-- Retention and a bounded start-up check (store/pgretention.go, Postgres.Reconcile).
-- customer_data_erased marks bookings whose personal data the retention sweep has
-- erased; the sweep finds the others through a partial index by slot start, so it
-- reads only bookings not yet erased. Reconcile reads live bookings and slot counts
-- from a slot start on: slot_key_start is the start second inside a slot key
-- (merchant 0x00 service 0x00 start(8, big-endian) …, feeds.SlotKey).
ALTER TABLE bookings ADD COLUMN customer_data_erased boolean NOT NULL DEFAULT false;
CREATE INDEX bookings_to_erase ON bookings (start_sec, booking_id) WHERE NOT customer_data_erased;
CREATE INDEX bookings_live_by_start ON bookings (start_sec) WHERE holds_spot;
-- A webhook's dedupe key is gateway 0x00 merchant_id 0x00 event key, which text
-- cannot hold: bytea, as the bbolt key.
ALTER TABLE webhook_events ALTER COLUMN dedupe_key TYPE bytea USING convert_to(dedupe_key, 'UTF8');
CREATE INDEX webhook_events_by_applied ON webhook_events (applied_unix);
CREATE FUNCTION slot_key_start(k bytea) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ('x' || encode(substring(k FROM position('\x00'::bytea IN k)
	+ position('\x00'::bytea IN substring(k FROM position('\x00'::bytea IN k) + 1)) + 1 FOR 8), 'hex'))::bit(64)::bigint;
CREATE INDEX slot_booked_by_start ON slot_booked (slot_key_start(slot_key));
