-- The drain side of the availability RTU windows (store/pgrtu.go): a window's failed
-- attempts (history: an AvailabilityRecord holding attempts and failures), the lease
-- of the replica sending it, and the dead letters.
ALTER TABLE rtu ADD COLUMN history bytea;
ALTER TABLE rtu ADD COLUMN lease_until timestamptz;
CREATE TABLE rtu_dead (
	merchant_id text NOT NULL,
	service_id text NOT NULL,
	start_sec bigint NOT NULL,
	end_sec bigint NOT NULL,
	record bytea NOT NULL,
	PRIMARY KEY (merchant_id, service_id, start_sec, end_sec)
);
