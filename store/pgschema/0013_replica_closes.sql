-- A replica that closed cleanly (store/pgdeadreplicas.go): its row is written by
-- its notification connection as the last thing it does, once every count change
-- it committed was sent to the others, and before that connection (one of the
-- sessions the others wait for) ends. A replica that finds a dead one's sessions
-- ended and its row here skips the recount of the counts it may not have sent; a
-- replica killed, or one whose sends failed, writes none and is recounted as
-- before. replica is the session name (bookingserver replica <tag>, one random tag
-- per process); rows older than an hour are deleted by the next close (the others
-- look for a row within minutes of a death).
CREATE TABLE replica_closes (
	replica text PRIMARY KEY,
	closed_at timestamptz NOT NULL DEFAULT now()
);
