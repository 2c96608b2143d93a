// Package secrets keeps per-merchant gateway credentials (imoje API tokens and shop
// keys, Worldline API and webhook secrets, Stripe keys) out of plain sight.
//
// Two tools, for two places where secrets leak:
//
//   - At rest: a Key (AES-256-GCM, from the --secrets-key flag) seals each credential
//     with additional data naming its merchant, gateway and field, so a sealed value
//     copied into another merchant's record, or swapped between fields, fails to open.
//   - In memory: a Secret is a string whose String, GoString, Format, MarshalJSON,
//     MarshalText and LogValue all print "[redacted]", so a config struct logged with
//     slog or %+v, or returned through an API as JSON, never shows the value. Only
//     Reveal gives the plain text, at the one place a gateway request is signed.
//
// Because a Secret's JSON is redacted, persist credentials with SealSecret and
// OpenSecret, never by marshalling a struct that holds them.
package secrets
