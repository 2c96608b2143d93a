package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// NewDecoder returns a decoder over r. It reads the body whole: a body must be one JSON
// value and whitespace, since a request with data after its object (`{…}garbage`, two
// objects) is not what the caller meant to send and must not book. For a
// *BatchAvailabilityLookupRequest — the body of Google's most frequent call — it tries
// parseBatchRequestJSON first; whenever that declines, and for every other type, the
// JSONPb decoder reads the same bytes, so that behaviour and error messages stay
// protojson's.
func (m restMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return &restDecoder{r: r, pb: m.JSONPb}
}

// restDecoder is restMarshaler's decoder. After its first Decode every call goes to
// inner, a JSONPb decoder over what is left of the body (nothing, when drained).
type restDecoder struct {
	r       io.Reader
	pb      *runtime.JSONPb
	inner   runtime.Decoder
	drained bool
}

// Decode decodes the next JSON value of the body into v.
func (d *restDecoder) Decode(v any) error {
	if d.inner == nil && d.drained {
		d.inner = d.pb.NewDecoder(bytes.NewReader(nil))
	}
	if d.inner != nil {
		return d.inner.Decode(v)
	}
	req, ok := v.(*acv3.BatchAvailabilityLookupRequest)
	if !ok {
		body, err := io.ReadAll(d.r)
		return d.fallback(body, err, v)
	}
	sc := scratchPool.Get().(*decodeScratch)
	body, err := readBody(d.r, sc.buf[:0])
	if err == nil && parseBatchRequestJSON(body, req, sc) {
		// The body was one object and whitespace: a JSONPb decoder would find nothing
		// more either.
		d.drained = true
		sc.put(body)
		return nil
	}
	// body now belongs to the fallback decoder; sc goes back without it.
	sc.put(nil)
	return d.fallback(body, err, v)
}

// fallback decodes body (read up to err) into v with the JSONPb decoder, after
// refusing data after the first value.
func (d *restDecoder) fallback(body []byte, err error, v any) error {
	if err == nil {
		if err := trailingData(body); err != nil {
			return err
		}
	}
	var src io.Reader = bytes.NewReader(body)
	if err != nil {
		src = io.MultiReader(src, errReader{err})
	}
	d.inner = d.pb.NewDecoder(src)
	return d.inner.Decode(v)
}

// trailingData returns an error when body holds more than one JSON value and
// whitespace. A body that is not valid JSON up to its first value is left to protojson,
// which reports it with its own message.
func trailingData(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var skip json.RawMessage
	if dec.Decode(&skip) != nil {
		return nil
	}
	end := dec.InputOffset()
	if len(bytes.TrimLeft(body[end:], " \t\r\n")) > 0 {
		return fmt.Errorf("unexpected data after the JSON object at byte %d: the body must be one JSON object", end)
	}
	return nil
}

// errReader returns err, as the body did after the bytes read before it.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// readBody appends all of r to buf.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// Limits beyond which the fast parser declines (protojson then decides).
const (
	maxFastBody      = 4 << 20 // bytes of body
	maxFastSkipDepth = 32      // nesting of an unknown field's value
	maxPooledBuf     = 64 << 10
	maxPooledSlots   = 1024
)

// decodeScratch is reusable memory of the fast parser: the body read and the slot times
// parsed before the messages are allocated at their exact number.
type decodeScratch struct {
	buf   []byte
	slots []slotFields
}

var scratchPool = sync.Pool{New: func() any { return &decodeScratch{buf: make([]byte, 0, 4096)} }}

// put returns sc to the pool with buf (nil: keep none), unless either grew too large.
func (sc *decodeScratch) put(buf []byte) {
	if cap(buf) > maxPooledBuf {
		buf = nil
	}
	sc.buf = buf[:0]
	if cap(sc.slots) > maxPooledSlots {
		sc.slots = nil
	}
	sc.slots = sc.slots[:0]
	scratchPool.Put(sc)
}

// slotFields are the fields of one SlotTime as parsed.
type slotFields struct {
	start, duration    int64
	tag, service       string
	staff, room        string
	party, mode        int32
	hasResources       bool
	seen, seenResource uint8
}

// parseBatchRequestJSON decodes b, a BatchAvailabilityLookupRequest in the REST
// surface's JSON, into req and reports true; or, for anything it does not plainly
// handle, leaves req alone and reports false. When it reports true, protojson with
// JSONOptions decodes b to a message equal to req. It accepts both field-name styles,
// int64 and int32 fields as quoted or bare integers, enums by value name or number,
// unknown fields of any JSON shape and JSON whitespace; it declines string escapes,
// duplicate and null fields, numbers that are not plain integers, unknown enum names,
// anything after the object and bodies over limits of size and depth.
// Its slot times are parsed into sc.slots, whose memory it reuses.
func parseBatchRequestJSON(b []byte, req *acv3.BatchAvailabilityLookupRequest, sc *decodeScratch) bool {
	if len(b) > maxFastBody {
		return false
	}
	// One string for the whole body: every string field is a substring of it.
	p := fastParser{s: string(b), slots: sc.slots[:0]}
	merchant, ok := p.request()
	sc.slots = p.slots[:0]
	if !ok {
		return false
	}
	slots := p.slots
	req.Reset()
	req.MerchantId = merchant
	if p.slotTimeSeen {
		req.SlotTime = make([]*acv3.SlotTime, len(slots))
	}
	if len(slots) == 0 {
		return true
	}
	nres := 0
	for i := range slots {
		if slots[i].hasResources {
			nres++
		}
	}
	msgs := make([]acv3.SlotTime, len(slots))
	var res []acv3.ResourceIds
	if nres > 0 {
		res = make([]acv3.ResourceIds, nres)
	}
	for i := range slots {
		f, st := &slots[i], &msgs[i]
		st.StartSec = f.start
		st.DurationSec = f.duration
		st.AvailabilityTag = f.tag
		st.ServiceId = f.service
		st.ConfirmationMode = acv3.ConfirmationMode(f.mode)
		if f.hasResources {
			r := &res[0]
			res = res[1:]
			r.StaffId, r.RoomId, r.PartySize = f.staff, f.room, f.party
			st.ResourceIds = r
		}
		req.SlotTime[i] = st
	}
	return true
}

// fastParser is a single pass over one JSON body; every method reports false to
// decline.
type fastParser struct {
	s            string
	i            int
	slots        []slotFields
	slotTimeSeen bool
}

// ws skips JSON whitespace.
func (p *fastParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips whitespace and returns the byte there, 0 at the end.
func (p *fastParser) next() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// str reads a string without escapes, in valid UTF-8, at p.i (after whitespace).
func (p *fastParser) str() (string, bool) {
	if p.next() != '"' {
		return "", false
	}
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			p.i = j + 1
			v := p.s[start:j]
			if !ascii && !utf8.ValidString(v) {
				return "", false
			}
			return v, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// integer reads a plain decimal integer (optional '-', no leading zeros) of at most
// bits bits, bare or quoted.
func (p *fastParser) integer(bits uint) (int64, bool) {
	quoted := p.next() == '"'
	if quoted {
		p.i++
	}
	neg := false
	if p.i < len(p.s) && p.s[p.i] == '-' {
		neg = true
		p.i++
	}
	start := p.i
	var u uint64
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c < '0' || c > '9' {
			break
		}
		if p.i-start >= 19 {
			return 0, false // more digits than any int64 needs
		}
		u = u*10 + uint64(c-'0')
		p.i++
	}
	n := p.i - start
	if n == 0 || (n > 1 && p.s[start] == '0') {
		return 0, false
	}
	if quoted {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return 0, false
		}
		p.i++
	}
	limit := uint64(1) << (bits - 1) // magnitude of the most negative value
	if neg {
		if u > limit {
			return 0, false
		}
		return -int64(u), true // u == 1<<63 wraps to MinInt64, as wanted
	}
	if u >= limit {
		return 0, false
	}
	return int64(u), true
}

// enum reads a ConfirmationMode by value name or bare number.
func (p *fastParser) enum() (int32, bool) {
	if p.next() != '"' {
		n, ok := p.integer(32)
		return int32(n), ok
	}
	name, ok := p.str()
	if !ok {
		return 0, false
	}
	v, ok := acv3.ConfirmationMode_value[name]
	return v, ok
}

// object reads '{', then each member by field(key), which must read the value, then
// '}'. Keys are read by str, so an object's keys never have escapes.
func (p *fastParser) object(field func(key string) bool) bool {
	if p.next() != '{' {
		return false
	}
	p.i++
	if p.next() == '}' {
		p.i++
		return true
	}
	for {
		key, ok := p.str()
		if !ok || p.next() != ':' {
			return false
		}
		p.i++
		if !field(key) {
			return false
		}
		switch p.next() {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// unknown skips the value of an unknown field, as protojson with DiscardUnknown does;
// it declines extension names ("[...]"), which protojson would look up.
func (p *fastParser) unknown(key string) bool {
	if len(key) >= 2 && key[0] == '[' && key[len(key)-1] == ']' {
		return false
	}
	return p.skip(0)
}

// skip reads any JSON value (strings without escapes) at a nesting depth.
func (p *fastParser) skip(depth int) bool {
	switch c := p.next(); {
	case c == '"':
		_, ok := p.str()
		return ok
	case c == '{':
		if depth >= maxFastSkipDepth {
			return false
		}
		return p.object(func(string) bool { return p.skip(depth + 1) })
	case c == '[':
		if depth >= maxFastSkipDepth {
			return false
		}
		return p.array(func() bool { return p.skip(depth + 1) })
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return false
}

// literal reads lit; what follows is checked by the caller, which expects a delimiter.
func (p *fastParser) literal(lit string) bool {
	if len(p.s)-p.i < len(lit) || p.s[p.i:p.i+len(lit)] != lit {
		return false
	}
	p.i += len(lit)
	return true
}

// number reads a JSON number of any form: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *fastParser) number() bool {
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return false
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return false
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return false
		}
	}
	return true
}

// digits reads [0-9]* and returns how many.
func (p *fastParser) digits() int {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// Fields of the request's messages, as bits of a seen mask.
const (
	fStart = 1 << iota
	fDuration
	fTag
	fResources
	fService
	fMode
)

// request reads the whole body: one object, then only whitespace.
func (p *fastParser) request() (merchant string, ok bool) {
	merchantSeen := false
	ok = p.object(func(key string) bool {
		switch key {
		case "merchant_id", "merchantId":
			if merchantSeen {
				return false
			}
			merchantSeen = true
			var ok bool
			merchant, ok = p.str()
			return ok
		case "slot_time", "slotTime":
			if p.slotTimeSeen {
				return false
			}
			p.slotTimeSeen = true
			return p.slotTimes()
		}
		return p.unknown(key)
	})
	return merchant, ok && p.next() == 0 && p.i == len(p.s)
}

// slotTimes reads the array of slot times.
func (p *fastParser) slotTimes() bool {
	if p.next() != '[' {
		return false
	}
	return p.array(func() bool {
		p.slots = append(p.slots, slotFields{})
		return p.slotTime(&p.slots[len(p.slots)-1])
	})
}

// array reads a JSON array at p (its '[' next), calling elem for each element.
func (p *fastParser) array(elem func() bool) bool {
	p.i++
	if p.next() == ']' {
		p.i++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch p.next() {
		case ',':
			p.i++
		case ']':
			p.i++
			return true
		default:
			return false
		}
	}
}

// once marks bit in seen and reports whether it was not already marked.
func once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// slotTime reads one SlotTime object into f.
func (p *fastParser) slotTime(f *slotFields) bool {
	return p.object(func(key string) bool {
		var ok bool
		switch key {
		case "start_sec", "startSec":
			if !once(&f.seen, fStart) {
				return false
			}
			f.start, ok = p.integer(64)
		case "duration_sec", "durationSec":
			if !once(&f.seen, fDuration) {
				return false
			}
			f.duration, ok = p.integer(64)
		case "availability_tag", "availabilityTag":
			if !once(&f.seen, fTag) {
				return false
			}
			f.tag, ok = p.str()
		case "resource_ids", "resourceIds":
			if !once(&f.seen, fResources) {
				return false
			}
			f.hasResources = true
			ok = p.resourceIDs(f)
		case "service_id", "serviceId":
			if !once(&f.seen, fService) {
				return false
			}
			f.service, ok = p.str()
		case "confirmation_mode", "confirmationMode":
			if !once(&f.seen, fMode) {
				return false
			}
			f.mode, ok = p.enum()
		default:
			ok = p.unknown(key)
		}
		return ok
	})
}

// resourceIDs reads one ResourceIds object into f.
func (p *fastParser) resourceIDs(f *slotFields) bool {
	return p.object(func(key string) bool {
		var ok bool
		switch key {
		case "staff_id", "staffId":
			if !once(&f.seenResource, 1) {
				return false
			}
			f.staff, ok = p.str()
		case "room_id", "roomId":
			if !once(&f.seenResource, 2) {
				return false
			}
			f.room, ok = p.str()
		case "party_size", "partySize":
			if !once(&f.seenResource, 4) {
				return false
			}
			var n int64
			n, ok = p.integer(32)
			f.party = int32(n)
		default:
			ok = p.unknown(key)
		}
		return ok
	})
}
