package notifier

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"golang.org/x/oauth2/google"
)

// Scope is the OAuth2 scope of the Maps Booking API.
const Scope = "https://www.googleapis.com/auth/mapsbooking"

// NewHTTPClient returns a client that authenticates as the service account in
// credentialsJSON (a Google service-account key file), fetching and refreshing
// tokens from the key's token_uri. ctx bounds nothing but carries the HTTP client
// used for the token endpoint (oauth2.HTTPClient), as in the oauth2 package.
func NewHTTPClient(ctx context.Context, credentialsJSON []byte) (*http.Client, error) {
	conf, err := google.JWTConfigFromJSON(credentialsJSON, Scope)
	if err != nil {
		return nil, fmt.Errorf("google credentials: %w", err)
	}
	c := conf.Client(ctx)
	// Bounds the token fetch and the API call together, whatever the caller's context.
	c.Timeout = DefaultAttemptTimeout
	return c, nil
}

// NewHTTPClientFromFile is NewHTTPClient with the key read from path.
func NewHTTPClientFromFile(ctx context.Context, path string) (*http.Client, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("google credentials: %w", err)
	}
	return NewHTTPClient(ctx, raw)
}
