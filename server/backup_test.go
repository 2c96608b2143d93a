package server_test

import (
	"strings"
	"testing"
)

// TestBackupNeedsABackuper: a store without online backup (Postgres) answers 501 with
// the tool to use; the route takes the admin token only.
func TestBackupNeedsABackuper(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if code, _, body := b.do(t, "GET", "/v1/backup", "Bearer "+testAdmin, ""); code != 501 || !strings.Contains(body, "pg_dump") {
		t.Errorf("backup without a Backuper: %d %s", code, body)
	}
	if code, _, _ := b.do(t, "GET", "/v1/backup", basic(testUser, testPassword), ""); code != 401 {
		t.Errorf("backup with Google's credentials: %d, want 401", code)
	}
}
