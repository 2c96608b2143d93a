package server

import "strings"

// access is who may call a route.
type access int

const (
	// accessGoogle needs Google's basic credentials.
	accessGoogle access = iota
	// accessMerchant needs the admin bearer token or a merchant key (scoped to its
	// merchant).
	accessMerchant
	// accessAdmin needs the admin bearer token: merchant key management, the
	// platform's feed export and publication to Google, and, off loopback, /metrics.
	accessAdmin
	// accessOpen needs nothing (health and reflection on a loopback listener).
	accessOpen
)

// grpcAccess decides who may call a gRPC method (full name "/pkg.Service/Method").
// Health and reflection are open only when the listener is loopback; elsewhere they
// need Google's credentials like the booking API.
func grpcAccess(fullMethod string, loopback bool) access {
	switch {
	case strings.HasPrefix(fullMethod, "/bookingserver.v1.MerchantKeyService/"):
		return accessAdmin
	case strings.HasPrefix(fullMethod, "/bookingserver.v1."):
		return accessMerchant
	case strings.HasPrefix(fullMethod, "/grpc.health.v1."), strings.HasPrefix(fullMethod, "/grpc.reflection."):
		if loopback {
			return accessOpen
		}
	}
	return accessGoogle
}

// httpAccess decides who may call an HTTP path. /metrics is open when the listener is
// loopback (a local scraper); elsewhere it needs the admin bearer token.
func httpAccess(path string, loopback bool) access {
	switch {
	case isWebhookPath(path):
		return accessOpen
	case isKeysPath(path), path == "/v1/backup", isPublishPath(path):
		return accessAdmin
	case strings.HasPrefix(path, "/v1/"):
		return accessMerchant
	case path == "/healthz", strings.HasPrefix(path, "/ui/"):
		// The dashboard signs its users in itself (sessions, see package ui).
		return accessOpen
	case path == "/metrics":
		if loopback {
			return accessOpen
		}
		return accessAdmin
	}
	return accessGoogle
}

// isKeysPath reports whether path is under /v1/merchants/{merchant_id}/keys, the
// merchant key management of the admin.
func isKeysPath(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v1/merchants/")
	if !ok {
		return false
	}
	_, rest, ok = strings.Cut(rest, "/")
	return ok && (rest == "keys" || strings.HasPrefix(rest, "keys/"))
}

// isPublishPath reports whether path exports or publishes the feeds of every merchant
// (GET /v1/feeds/{kind}:export, POST /v1/feeds:publish, GET /v1/feeds/publications):
// the platform's business, not one merchant's.
func isPublishPath(path string) bool {
	return path == "/v1/feeds:publish" || path == "/v1/feeds/publications" ||
		(strings.HasPrefix(path, "/v1/feeds/") && strings.HasSuffix(path, ":export"))
}

// allowed checks the Authorization header value against a route that takes Google's
// credentials or none; the merchant API's routes go through Server.authorize.
func (c Credentials) allowed(a access, authorization string) bool {
	switch a {
	case accessOpen:
		return true
	case accessGoogle:
		return c.CheckBasic(authorization)
	}
	return false
}

// webhookGateways are the gateways whose webhooks are served.
var webhookGateways = map[string]bool{"imoje": true, "worldline": true, "stripe": true}

// isWebhookPath reports whether path is exactly /v1/webhooks/{gateway}/{merchant_id} of
// a known gateway: those routes authenticate by the gateway's signature instead of a
// token. Anything else under /v1/webhooks/ stays behind the admin token.
func isWebhookPath(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v1/webhooks/")
	if !ok {
		return false
	}
	gw, mid, ok := strings.Cut(rest, "/")
	return ok && webhookGateways[gw] && mid != "" && !strings.Contains(mid, "/")
}
