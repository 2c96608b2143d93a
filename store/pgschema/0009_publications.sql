-- Publications of the feeds to Google's dropboxes (store/publications.go on bbolt):
-- a bookingserver.v1.PublicationRecord per upload, keyed by its start, the newest 100.
CREATE TABLE publications (
	started_unix_nano bigint PRIMARY KEY,
	record bytea NOT NULL
);
