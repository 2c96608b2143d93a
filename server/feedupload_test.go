package server_test

import (
	"strings"
	"testing"
)

func TestFeedUpload(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		admin := "Bearer " + testAdmin
		good := `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1800000000"},"merchant":[{"merchant_id":"m2","name":"Spa Two"}]}`
		bad := `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1800000001"},"merchant":[{"merchant_id":"","name":"No id"}]}`
		tests := []struct {
			name, path, auth, body string
			wantCode               int
			wantBody               string
		}{
			{"no token", "/v1/feeds/merchant", "", good, 401, "credentials"},
			{"Google's credentials are not the merchant's", "/v1/feeds/merchant", basic(testUser, testPassword), good, 401, "credentials"},
			{"applied", "/v1/feeds/merchant", admin, good, 200, `"records_applied":"1"`},
			{"trailing slash", "/v1/feeds/merchant/", admin, good, 200, `"records_applied":"1"`},
			{"invalid record", "/v1/feeds/merchant", admin, bad, 400, "merchant_id"},
			{"syntax error", "/v1/feeds/merchant", admin, `{"metadata":`, 400, "line 1"},
			{"unknown kind", "/v1/feeds/menu", admin, good, 404, "unknown feed kind"},
		}
		for _, tt := range tests {
			code, _, body := b.do(t, "POST", tt.path, tt.auth, tt.body)
			if code != tt.wantCode || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s: %d %s, want %d containing %q", tt.name, code, body, tt.wantCode, tt.wantBody)
			}
		}
		// An older feed than the applied one is refused.
		older := strings.Replace(good, "1800000000", "1700000000", 1)
		if code, _, body := b.do(t, "POST", "/v1/feeds/merchant", admin, older); code != 400 || !strings.Contains(body, "older") {
			t.Errorf("older feed: %d %s", code, body)
		}
	})
}
