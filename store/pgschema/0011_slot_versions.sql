-- Every change of a slot's count takes a new version from one sequence, in the
-- statement that makes it, under the row's lock: of two changes of one slot, the
-- later committed has the higher version. The replicas' availability caches
-- (store/pgcache.go) hear of changes after their commits, in any order, and keep
-- the count of the highest version they heard of. A count that falls to zero
-- keeps its row (and its version) from now on: a row deleted and inserted again
-- could take a version lower than the deleted one's.
CREATE SEQUENCE slot_booked_version;
ALTER TABLE slot_booked ADD COLUMN version bigint NOT NULL DEFAULT nextval('slot_booked_version');
ALTER SEQUENCE slot_booked_version OWNED BY slot_booked.version;
