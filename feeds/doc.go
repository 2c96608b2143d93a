// Package feeds reads, checks and expands the three batch feeds a partner sends to
// Google's Actions Center: merchants, services and availability.
//
// The package is pure: it parses JSON into the generated actionscenter v3 messages
// (ParseMerchantFeed, ParseServiceFeed, ParseAvailabilityFeed), reports every
// problem of a feed at once (ValidateMerchantFeed, ValidateServiceFeed,
// ValidateAvailabilityFeed, with cross-feed lookups through Catalog), and turns
// recurring availability into individual slots (Expand) keyed by SlotKey.
// AvailabilityStream does for availability feeds what parsing and validating do,
// one record at a time, so that a million-slot feed is never held whole. Storing
// the result is the store's job; this package never touches a database.
package feeds
