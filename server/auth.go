package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Credentials checks the Authorization header values of the two kinds of callers:
// Google (HTTP basic auth) and the merchant (a bearer token). Comparisons are constant
// time over hashes, so neither the content nor the length of a secret leaks.
type Credentials struct {
	// BasicUser and BasicPassword are what Google sends; both empty disables the check
	// (--insecure-no-auth).
	BasicUser, BasicPassword string
	// AdminToken is the merchant API bearer token; empty disables the merchant API.
	AdminToken string
}

// BasicEnabled reports whether Google's calls are authenticated.
func (c Credentials) BasicEnabled() bool { return c.BasicUser != "" || c.BasicPassword != "" }

// CheckBasic reports whether header carries the expected basic credentials.
func (c Credentials) CheckBasic(header string) bool {
	if !c.BasicEnabled() {
		return true
	}
	raw, ok := strings.CutPrefix(header, "Basic ")
	if !ok {
		return false
	}
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	user, pass, ok := strings.Cut(string(decoded), ":")
	// Evaluate both comparisons always, so timing does not tell which part was wrong.
	userOK := equal(user, c.BasicUser)
	passOK := equal(pass, c.BasicPassword)
	return ok && userOK && passOK
}

// CheckBearer reports whether header carries the admin token.
func (c Credentials) CheckBearer(header string) bool {
	token, ok := strings.CutPrefix(header, "Bearer ")
	return ok && c.AdminToken != "" && equal(strings.TrimSpace(token), c.AdminToken)
}

func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
