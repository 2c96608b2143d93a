package feeds

import (
	"errors"
	"fmt"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// AvailabilityVisitor receives an availability feed from AvailabilityStream.Decode,
// one record at a time. An error from any method stops the decoding and is returned
// by Decode as is.
type AvailabilityVisitor interface {
	// Metadata is called once per feed, before any record, with the feed's
	// metadata (nil when the feed has none).
	Metadata(md *acv3.FeedMetadata) error
	// ServiceAvailability is called once per service_availability, before its
	// slots, with its restricts set and its Availability empty.
	ServiceAvailability(sa *acv3.ServiceAvailability) error
	// Slot is called with each slot of the last service_availability, once it
	// has been checked. The stream keeps no reference to it.
	Slot(a *acv3.Availability) error
}

// AvailabilityStream decodes and validates availability feeds a record at a time,
// so that a million-slot feed is never held as a million messages: the caller
// turns each slot into what it needs (the store: a key and an encoded record)
// and drops it.
//
// It accepts exactly what ParseAvailabilityFeed accepts and refuses the rest with
// the same *ParseError (line and column included), and it finds the problems
// ValidateAvailabilityFeed finds, in the same order. The shards of one feed are
// decoded one after the other by the same stream: record indices and the
// duplicate check then run across them, as over the merged feed.
type AvailabilityStream struct {
	check *availabilityChecker
}

// NewAvailabilityStream returns a stream whose cross-feed checks ask catalog; a nil
// catalog skips them, as in ValidateAvailabilityFeed.
func NewAvailabilityStream(catalog Catalog) *AvailabilityStream {
	return &AvailabilityStream{check: newAvailabilityChecker(catalog)}
}

// Valid reports whether the records decoded so far are free of problems. A
// visitor can skip costly work for a feed that will be refused anyway.
func (s *AvailabilityStream) Valid() bool { return s.check.ok() }

// Validate returns nil or a *ValidationError listing the problems of md (the
// feed's metadata; for a sharded feed, the merged one) and then those of the
// records decoded so far.
func (s *AvailabilityStream) Validate(md *acv3.FeedMetadata) error { return s.check.result(md) }

// Decode decodes data, one availability feed or one shard of it, and passes its
// metadata and records to v, checking each record on the way (Valid and Validate
// report the problems). It returns the *ParseError of ParseAvailabilityFeed for
// data that does not decode, before v has seen anything whenever the JSON's
// structure is at fault; a bad value inside a slot is found when that slot is
// reached.
//
// It works in two passes over data. The first walks the JSON structure without
// decoding values (a small fraction of the decoding time) and decodes the feed
// without its service_availability, for the metadata. The second decodes each
// service_availability without its slots, then each slot, with protojson and the
// options of ParseAvailabilityFeed, so that names, number formats and unknown
// fields are read the same way.
func (s *AvailabilityStream) Decode(data []byte, v AvailabilityVisitor) error {
	listStart, listEnd, err := walkAvailability(data, nil)
	if err != nil {
		// Not the structure the walker expects: let protojson decode the whole
		// feed, for its error or, should it read what the walker does not, for
		// the records.
		feed, err := ParseAvailabilityFeed(data)
		if err != nil {
			return err
		}
		return s.visitParsed(feed, v)
	}
	enums := mayHaveEnums(data, availabilityEnumFields)
	shell := data
	if listStart >= 0 {
		shell = splice(data, 0, listStart, listEnd, len(data))
	}
	top := &acv3.AvailabilityFeed{}
	if err := unmarshalOptions.Unmarshal(shell, top); err != nil {
		return wholeFeedError(data, err)
	}
	if enums {
		if err := checkEnums(kindAvailability, shell, top.ProtoReflect().Descriptor()); err != nil {
			return wholeFeedError(data, err)
		}
	}
	if err := v.Metadata(top.GetMetadata()); err != nil {
		return err
	}
	d := &pieceDecoder{s: s, v: v, data: data, enums: enums}
	if _, _, err := walkAvailability(data, d.serviceAvailability); err != nil {
		if errors.Is(err, errWalk) {
			return fmt.Errorf("feeds: availability feed walked once but not twice: %w", err)
		}
		return err
	}
	return nil
}

// pieceDecoder decodes the pieces of one feed that the walker finds.
type pieceDecoder struct {
	s     *AvailabilityStream
	v     AvailabilityVisitor
	data  []byte
	enums bool
}

// serviceAvailability decodes service_availability[i] of this feed (p) and its
// slots, checks them and passes them to the visitor.
func (d *pieceDecoder) serviceAvailability(i int, p *saPiece) error {
	shell := d.data[p.start:p.end]
	if p.listStart >= 0 {
		shell = splice(d.data, p.start, p.listStart, p.listEnd, p.end)
	}
	sa := &acv3.ServiceAvailability{}
	if err := unmarshalOptions.Unmarshal(shell, sa); err != nil {
		return wholeFeedError(d.data, err)
	}
	path := fmt.Sprintf("%s[%d]", p.key, i)
	if d.enums && mayHaveEnums(shell, availabilityEnumFields) {
		if err := checkEnumsAt(kindAvailability, shell, sa.ProtoReflect().Descriptor(), path); err != nil {
			return wholeFeedError(d.data, err)
		}
	}
	gi := d.s.check.serviceAvailability(sa)
	if err := d.v.ServiceAvailability(sa); err != nil {
		return err
	}
	for j, r := range p.slots {
		raw := d.data[r[0]:r[1]]
		a := &acv3.Availability{}
		if err := unmarshalOptions.Unmarshal(raw, a); err != nil {
			return wholeFeedError(d.data, err)
		}
		if d.enums && mayHaveEnums(raw, availabilityEnumFields) {
			if err := checkEnumsAt(kindAvailability, raw, a.ProtoReflect().Descriptor(), fmt.Sprintf("%s.availability[%d]", path, j)); err != nil {
				return wholeFeedError(d.data, err)
			}
		}
		d.s.check.slot(gi, sa, a)
		if err := d.v.Slot(a); err != nil {
			return err
		}
	}
	return nil
}

// visitParsed passes a feed decoded whole to v, checking it on the way.
func (s *AvailabilityStream) visitParsed(feed *acv3.AvailabilityFeed, v AvailabilityVisitor) error {
	if err := v.Metadata(feed.GetMetadata()); err != nil {
		return err
	}
	for _, sa := range feed.GetServiceAvailability() {
		slots := sa.GetAvailability()
		sa.Availability = nil
		i := s.check.serviceAvailability(sa)
		if err := v.ServiceAvailability(sa); err != nil {
			return err
		}
		for _, a := range slots {
			s.check.slot(i, sa, a)
			if err := v.Slot(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// wholeFeedError is the error of ParseAvailabilityFeed for data, one of whose
// pieces has just failed to decode with err. A piece that does not decode means
// that the whole does not either; decoding the whole again (only on this error
// path) gives the error the user would get from ParseAvailabilityFeed, with its
// line and column in the file. Should the whole decode after all, err is returned.
func wholeFeedError(data []byte, err error) error {
	if werr := unmarshal(kindAvailability, data, &acv3.AvailabilityFeed{}); werr != nil {
		return werr
	}
	var perr *ParseError
	if errors.As(err, &perr) {
		return perr
	}
	return &ParseError{Feed: kindAvailability, Err: err}
}

// splice returns data[from:cut] + "[]" + data[resume:to]: a JSON object with one
// member's array value emptied.
func splice(data []byte, from, cut, resume, to int) []byte {
	out := make([]byte, 0, cut-from+2+to-resume)
	out = append(out, data[from:cut]...)
	out = append(out, "[]"...)
	return append(out, data[resume:to]...)
}

// errWalk is walkAvailability's error for JSON it does not expect.
var errWalk = errors.New("unexpected JSON structure")

// saPiece is where one service_availability lies in the feed's bytes.
type saPiece struct {
	// key is the feed's name for the list: "service_availability" or
	// "serviceAvailability".
	key string
	// start and end bound the object.
	start, end int
	// listStart and listEnd bound its availability value; both -1 when it has none.
	listStart, listEnd int
	// slots bound each slot object of the availability list.
	slots [][2]int
}

// walkAvailability walks the structure of an availability feed, calls fn (if not
// nil) with each service_availability as soon as its end is found, and returns
// where the feed's service_availability value lies (both -1 when it has none).
// It fails with errWalk on JSON that is not an object, on a member repeated
// under either of its names, and on structure it cannot follow.
func walkAvailability(data []byte, fn func(i int, p *saPiece) error) (start, end int, err error) {
	w := &jsonWalker{data: data}
	start, end = -1, -1
	if !w.consume('{') {
		return start, end, errWalk
	}
	if w.consume('}') {
		return start, end, nil
	}
	for {
		key, ok := w.key()
		if !ok {
			return start, end, errWalk
		}
		if k := string(key); k == "service_availability" || k == "serviceAvailability" {
			if start >= 0 {
				return start, end, errWalk // protojson refuses a repeated field
			}
			w.ws()
			start = w.pos
			if !w.null() {
				if err := walkServiceAvailabilities(w, k, fn); err != nil {
					return start, end, err
				}
			}
			end = w.pos
		} else if _, ok := w.skip(); !ok {
			return start, end, errWalk
		}
		if w.consume(',') {
			continue
		}
		if w.consume('}') {
			return start, end, nil
		}
		return start, end, errWalk
	}
}

// walkServiceAvailabilities walks the array of service_availability objects.
func walkServiceAvailabilities(w *jsonWalker, key string, fn func(int, *saPiece) error) error {
	if !w.consume('[') {
		return errWalk
	}
	if w.consume(']') {
		return nil
	}
	p := &saPiece{key: key}
	for i := 0; ; i++ {
		if err := walkServiceAvailability(w, p); err != nil {
			return err
		}
		if fn != nil {
			if err := fn(i, p); err != nil {
				return err
			}
		}
		if w.consume(',') {
			continue
		}
		if w.consume(']') {
			return nil
		}
		return errWalk
	}
}

// walkServiceAvailability walks one service_availability object into p.
func walkServiceAvailability(w *jsonWalker, p *saPiece) error {
	w.ws()
	p.start, p.listStart, p.listEnd, p.slots = w.pos, -1, -1, p.slots[:0]
	if !w.consume('{') {
		return errWalk
	}
	if w.consume('}') {
		p.end = w.pos
		return nil
	}
	for {
		key, ok := w.key()
		if !ok {
			return errWalk
		}
		if string(key) == "availability" {
			if p.listStart >= 0 {
				return errWalk // protojson refuses a repeated field
			}
			w.ws()
			p.listStart = w.pos
			if !w.null() {
				if err := walkSlots(w, p); err != nil {
					return err
				}
			}
			p.listEnd = w.pos
		} else if _, ok := w.skip(); !ok {
			return errWalk
		}
		if w.consume(',') {
			continue
		}
		if w.consume('}') {
			p.end = w.pos
			return nil
		}
		return errWalk
	}
}

// walkSlots walks an availability array, noting where each slot lies.
func walkSlots(w *jsonWalker, p *saPiece) error {
	if !w.consume('[') {
		return errWalk
	}
	if w.consume(']') {
		return nil
	}
	for {
		start, ok := w.skip()
		if !ok {
			return errWalk
		}
		p.slots = append(p.slots, [2]int{start, w.pos})
		if w.consume(',') {
			continue
		}
		if w.consume(']') {
			return nil
		}
		return errWalk
	}
}
