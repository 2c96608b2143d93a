package feeds

import (
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// The tests' one-call form of AvailabilityStream; the loads drive the stream
// themselves (store/availabilityload.go).

// StreamAvailabilityFeed decodes and validates one availability feed, passing its
// records to v as they are decoded: ParseAvailabilityFeed and
// ValidateAvailabilityFeed in one pass that never holds the whole feed. It
// returns a *ParseError, v's first error, or the *ValidationError (nil when the
// feed is valid); v has then seen records of a feed that is refused.
func StreamAvailabilityFeed(data []byte, catalog Catalog, v AvailabilityVisitor) error {
	s := NewAvailabilityStream(catalog)
	meta := &metadataKeeper{AvailabilityVisitor: v}
	if err := s.Decode(data, meta); err != nil {
		return err
	}
	return s.Validate(meta.md)
}

// metadataKeeper is a visitor that remembers the metadata it passes on.
type metadataKeeper struct {
	AvailabilityVisitor
	md *acv3.FeedMetadata
}

// Metadata keeps md and passes it on.
func (k *metadataKeeper) Metadata(md *acv3.FeedMetadata) error {
	k.md = md
	return k.AvailabilityVisitor.Metadata(md)
}
