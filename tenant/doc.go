// Package tenant holds the credentials that act for one merchant: the merchants' API
// keys, their staff's dashboard accounts and the dashboard's sessions. It mints and
// checks them; the server's auth layer turns a checked credential into a
// booking.Scope, so the booking core never sees a credential.
//
// Persistence is behind small interfaces (KeyStore, StaffStore, SessionStore,
// SettingsStore), each a handful of keyed reads and writes, so that another store than
// bbolt can hold them.
package tenant
