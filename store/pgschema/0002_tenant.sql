-- The tenant package's records (store/pgtenant.go): merchant API keys (by the
-- key's SHA-256, listed per merchant), staff accounts, sessions, merchant settings.
CREATE TABLE merchant_keys (
	hash bytea PRIMARY KEY,
	merchant_id text NOT NULL,
	key_id text NOT NULL,
	created_unix bigint NOT NULL,
	record bytea NOT NULL,
	UNIQUE (merchant_id, key_id)
);
CREATE INDEX merchant_keys_by_merchant ON merchant_keys (merchant_id, created_unix, key_id);
CREATE TABLE staff (
	email text PRIMARY KEY,
	record bytea NOT NULL
);
CREATE TABLE sessions (
	id bytea PRIMARY KEY,
	expires_unix bigint NOT NULL,
	record bytea NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_unix);
CREATE TABLE merchant_settings (
	merchant_id text PRIMARY KEY,
	record bytea NOT NULL
);
