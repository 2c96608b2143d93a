-- A lease records its owner (store/pglease.go): each replica takes an owner id
-- from lease_owner_ids when it starts and holds, for its life, a session advisory
-- lock on it; a lease whose owner holds no lock is a dead replica's, taken over at
-- once rather than when lease_until passes. Leases without an owner (taken in
-- serializable-only mode, or by a binary older than this migration) last until
-- lease_until, as before. lease_owner means nothing while lease_until is NULL.
CREATE SEQUENCE lease_owner_ids;
ALTER TABLE outbox ADD COLUMN lease_owner integer;
ALTER TABLE rtu ADD COLUMN lease_owner integer;
ALTER TABLE inventory_rtu ADD COLUMN lease_owner integer;
