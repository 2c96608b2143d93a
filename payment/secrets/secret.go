package secrets

import (
	"fmt"
	"io"
	"log/slog"
)

// Redacted is what every printing method of Secret shows instead of the value.
const Redacted = "[redacted]"

// Secret is a credential held in memory. Every way of printing it (fmt verbs, slog,
// encoding/json, encoding.TextMarshaler) shows Redacted, so a secret cannot reach a
// log line or an API answer by accident; Reveal is the only way to read it.
type Secret string

// Reveal returns the plain value, for signing a request or a hash. Keep the result in
// a local variable; never log it.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether no secret is set; configuration checks use it without
// revealing the value.
func (s Secret) IsZero() bool { return s == "" }

// String returns Redacted.
func (s Secret) String() string { return Redacted }

// GoString returns Redacted, for %#v.
func (s Secret) GoString() string { return Redacted }

// Format prints Redacted for every verb, so that %x, %q or %d cannot expose the bytes
// either.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// MarshalJSON returns the JSON string "[redacted]": secrets are write-only through
// any JSON API.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns Redacted, for encoders that use encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue makes slog print Redacted even through handlers that do not call String.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
