package store

// DeathWatchCounts returns how many checks p's death watch has made, how many
// recounts it has read, and how many replicas it found ended after a clean close
// (pgdeadreplicas.go), for the tests of package store_test; all 0 in
// serializable-only mode, which watches nothing.
func DeathWatchCounts(p *Postgres) (checks, recounts, closes int64) {
	if p.deaths == nil {
		return 0, 0, 0
	}
	return p.deaths.checks.Load(), p.deaths.recounts.Load(), p.deaths.closes.Load()
}

// NotificationsSessionName is the application_name of p's broadcaster connection,
// for the tests of package store_test that mute or end it.
func NotificationsSessionName(p *Postgres) string {
	return p.broadcast.config.RuntimeParams["application_name"]
}
