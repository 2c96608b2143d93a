package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// Credentials checks the Authorization header values of the two kinds of callers:
// Google (HTTP basic auth) and the merchant (a bearer token). Several of each may be
// valid at once, so that a credential can be rotated without downtime: the new one is
// added, the caller moves over, the old one is removed (Server.SetCredentials swaps the
// whole set while serving). Plain secrets are compared in constant time over hashes,
// so neither the content nor the length of a secret leaks.
type Credentials struct {
	// BasicUser and BasicPassword are one pair Google may send (the --auth-user and
	// --auth-password flags).
	BasicUser, BasicPassword string
	// Basic are more pairs Google may send (--auth-file). All empty, and no
	// BasicUser/BasicPassword, disables the check (--insecure-no-auth).
	Basic []BasicCredential
	// AdminToken is a merchant API bearer token (--admin-token).
	AdminToken string
	// AdminTokens are more bearer tokens (--admin-token-file). None at all closes the
	// merchant API to the platform (merchant keys still work).
	AdminTokens []string

	// verified caches basic credentials that matched a bcrypt hash, by the SHA-256 of
	// the header, so that bcrypt's deliberate cost (tens of milliseconds) is paid once
	// per credential set, not on every call. A new set starts empty.
	verified *sync.Map
}

// BasicCredential is one user and password Google may call with. Password is the
// password itself or its bcrypt hash ("$2a$", "$2b$" or "$2y$", as `htpasswd -B`
// writes).
type BasicCredential struct {
	User, Password string
}

// isBcrypt reports whether a stored password is a bcrypt hash.
func isBcrypt(p string) bool {
	return strings.HasPrefix(p, "$2a$") || strings.HasPrefix(p, "$2b$") || strings.HasPrefix(p, "$2y$")
}

// basic returns every basic pair of the set.
func (c Credentials) basic() []BasicCredential {
	all := c.Basic
	if c.BasicUser != "" || c.BasicPassword != "" {
		all = append([]BasicCredential{{User: c.BasicUser, Password: c.BasicPassword}}, all...)
	}
	return all
}

// BasicEnabled reports whether Google's calls are authenticated.
func (c Credentials) BasicEnabled() bool { return len(c.basic()) > 0 }

// CheckBasic reports whether header carries one of the basic credentials.
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
	if !ok {
		return false
	}
	key := sha256.Sum256(decoded)
	if c.verified != nil {
		if _, hit := c.verified.Load(key); hit {
			return true
		}
	}
	// Compare against every plain pair, both parts always, so timing tells neither
	// which pair nor which part was wrong.
	match := false
	for _, b := range c.basic() {
		if isBcrypt(b.Password) {
			continue
		}
		userOK := equal(user, b.User)
		passOK := equal(pass, b.Password)
		match = match || (userOK && passOK)
	}
	if match {
		return true
	}
	for _, b := range c.basic() {
		if isBcrypt(b.Password) && equal(user, b.User) && bcrypt.CompareHashAndPassword([]byte(b.Password), []byte(pass)) == nil {
			if c.verified != nil {
				c.verified.Store(key, struct{}{})
			}
			return true
		}
	}
	return false
}

// CheckBearer reports whether header carries one of the admin tokens.
func (c Credentials) CheckBearer(header string) bool {
	token, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return false
	}
	token = strings.TrimSpace(token)
	match := false
	for _, t := range append([]string{c.AdminToken}, c.AdminTokens...) {
		match = (t != "" && equal(token, t)) || match
	}
	return match
}

// AdminEnabled reports whether any admin token is set.
func (c Credentials) AdminEnabled() bool {
	return c.AdminToken != "" || len(c.AdminTokens) > 0
}

func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
