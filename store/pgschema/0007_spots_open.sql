-- Every spot taken records the spots_open its transaction read, and the database
-- refuses a count above it (store/pgreserve.go): a reservation at READ COMMITTED
-- that read a free spot another transaction has since taken fails here, in the
-- database, before its pipelined COMMIT, and runs again. NULL: no limit known
-- (counts written before this migration, or repaired by Reconcile).
ALTER TABLE slot_booked ADD COLUMN spots_open bigint,
	ADD CONSTRAINT slot_booked_within_spots_open CHECK (booked <= spots_open);
