-- Merchant and service RTUs (store/inventoryrtu.go on bbolt, store/pginventory.go):
-- a merchant (service_id '') or service that a feed load added, changed or removed
-- since Google was told. record is the bookingserver.v1.InventoryRecord (changed
-- fields, created, attempts); revision and next_attempt_unix are copied out for the
-- queries, lease_until is the lease of the replica sending it.
CREATE TABLE inventory_rtu (
	merchant_id text NOT NULL,
	service_id text NOT NULL,
	revision bigint NOT NULL,
	next_attempt_unix bigint NOT NULL DEFAULT 0,
	lease_until timestamptz,
	record bytea NOT NULL,
	PRIMARY KEY (merchant_id, service_id)
);
CREATE TABLE inventory_rtu_dead (
	merchant_id text NOT NULL,
	service_id text NOT NULL,
	record bytea NOT NULL,
	PRIMARY KEY (merchant_id, service_id)
);
