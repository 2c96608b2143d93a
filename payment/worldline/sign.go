package worldline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// authorization returns the Authorization header value for req, per Worldline's
// v1HMAC scheme: "GCS v1HMAC:<apiKeyId>:<base64 HMAC-SHA256(secret, stringToHash)>".
func authorization(apiKeyID, secret string, req *http.Request) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToHash(req.Method, req.Header, req.URL)))
	return "GCS v1HMAC:" + apiKeyID + ":" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// stringToHash builds the signed string, each item followed by "\n":
//
//	HTTP method
//	Content-Type (an empty line when the request has no body)
//	Date (RFC 1123, GMT)
//	every X-GCS-* header as "name:value", name lower-cased, sorted by name, the value
//	  with line folding replaced by a space and outer white space trimmed
//	the path with "?" and the raw query when there is one
func stringToHash(method string, h http.Header, u *url.URL) string {
	var b strings.Builder
	b.WriteString(method + "\n")
	b.WriteString(h.Get("Content-Type") + "\n")
	b.WriteString(h.Get("Date") + "\n")
	var names []string
	for name := range h {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-gcs-") {
			names = append(names, l)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		v := strings.Join(h.Values(name), ",")
		v = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(v)
		b.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
	}
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" {
		b.WriteString("?" + u.RawQuery)
	}
	b.WriteString("\n")
	return b.String()
}
