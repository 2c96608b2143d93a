// Package publish uploads our feeds to Google's SFTP dropboxes: the three COMPLETE
// feeds (feeds.Export) once a day at a set UTC time and on demand, one dropbox per
// feed type, as Google's launch milestones ask (a complete upload of every feed every
// day). Each dropbox is reached with github.com/pkg/sftp over golang.org/x/crypto/ssh
// with key authentication and the host key checked against a known_hosts file;
// files are written under a temporary name and renamed when whole, so Google never
// picks up half a file. Every publication is recorded (time, files, bytes, sha256,
// outcome); a failed one is retried with backoff and counted for alerting.
package publish
