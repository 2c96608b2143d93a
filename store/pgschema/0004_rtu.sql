-- Availability RTU windows (store/rtu.go on bbolt): a service's window of slot starts
-- whose open spots changed since Google was told. Written in the transaction of the
-- change; a change to a waiting window only bumps its revision (coalesced).
CREATE TABLE rtu (
	merchant_id text NOT NULL,
	service_id text NOT NULL,
	start_sec bigint NOT NULL,
	end_sec bigint NOT NULL,
	revision bigint NOT NULL,
	first_change_unix_nano bigint NOT NULL,
	next_attempt_unix bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (merchant_id, service_id, start_sec, end_sec)
);
