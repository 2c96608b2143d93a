package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/bench/synth"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// checkFastRequest fails if the fast parser accepts b and protojson (JSONOptions)
// refuses it or decodes another message; it reports whether the fast parser accepted.
func checkFastRequest(t testing.TB, b []byte) bool {
	t.Helper()
	fast := &acv3.BatchAvailabilityLookupRequest{MerchantId: "stale", SlotTime: []*acv3.SlotTime{{}}}
	before := proto.Clone(fast)
	if !parseBatchRequestJSON(b, fast, &decodeScratch{}) {
		if !proto.Equal(fast, before) {
			t.Fatalf("fast parser declined but changed the message:\n%q", b)
		}
		return false
	}
	slow := &acv3.BatchAvailabilityLookupRequest{}
	if err := JSONOptions.Unmarshal(b, slow); err != nil {
		t.Fatalf("fast parser accepts what protojson refuses (%v):\n%q", err, b)
	}
	if !proto.Equal(fast, slow) {
		t.Fatalf("fast and protojson differ on\n%q\nfast %v\nslow %v", b, fast, slow)
	}
	return true
}

// reqGen writes random BatchAvailabilityLookupRequest bodies the fast parser is meant
// to accept: both name styles, quoted and bare integers, enum names and numbers,
// unknown fields of every shape, whitespace anywhere, fields in any order.
type reqGen struct {
	rng *rand.Rand
	b   strings.Builder
}

func (g *reqGen) ws() {
	spaces := []string{"", "", "", " ", "\n", "\t", "\r\n  ", "  "}
	g.b.WriteString(spaces[g.rng.IntN(len(spaces))])
}

func (g *reqGen) name(proto, json string) string {
	if g.rng.IntN(2) == 0 {
		return proto
	}
	return json
}

func (g *reqGen) str() string {
	strs := []string{"", "m-1", "merchant/0042", "tag with spaces", "ünïcödé ✓", "<&>'", "日本語", "\x7f", "a\u2028b"}
	return strs[g.rng.IntN(len(strs))]
}

func (g *reqGen) int(bits int) string {
	var v int64
	switch g.rng.IntN(6) {
	case 0:
		v = 0
	case 1:
		v = -1 << (bits - 1)
	case 2:
		v = 1<<(bits-1) - 1
	case 3:
		v = g.rng.Int64N(100) - 50
	default:
		v = g.rng.Int64() >> (64 - bits)
	}
	s := strconv.FormatInt(v, 10)
	if g.rng.IntN(2) == 0 {
		s = `"` + s + `"`
	}
	return s
}

// unknownValue writes any JSON value of at most depth levels.
func (g *reqGen) unknownValue(depth int) {
	n := 9
	if depth == 0 {
		n = 7
	}
	switch g.rng.IntN(n) {
	case 0:
		g.b.WriteString(`"` + g.str() + `"`)
	case 1:
		nums := []string{"0", "-0", "12", "-3.25", "1e9", "6.02E+23", "1E-7", "123456789012345678901234567890", "0.5"}
		g.b.WriteString(nums[g.rng.IntN(len(nums))])
	case 2:
		g.b.WriteString("true")
	case 3:
		g.b.WriteString("false")
	case 4:
		g.b.WriteString("null")
	case 5:
		g.b.WriteString("{}")
	case 6:
		g.b.WriteString("[]")
	case 7:
		g.b.WriteByte('{')
		for i := range 1 + g.rng.IntN(3) {
			if i > 0 {
				g.b.WriteByte(',')
			}
			g.ws()
			fmt.Fprintf(&g.b, `"k%d"`, g.rng.IntN(3)) // repeated keys are fine in unknown objects
			g.ws()
			g.b.WriteByte(':')
			g.ws()
			g.unknownValue(depth - 1)
			g.ws()
		}
		g.b.WriteByte('}')
	case 8:
		g.b.WriteByte('[')
		for i := range 1 + g.rng.IntN(3) {
			if i > 0 {
				g.b.WriteByte(',')
			}
			g.ws()
			g.unknownValue(depth - 1)
			g.ws()
		}
		g.b.WriteByte(']')
	}
}

// object writes the members, in random order with unknown ones mixed in.
func (g *reqGen) object(members []func()) {
	for range g.rng.IntN(3) {
		if g.rng.IntN(3) == 0 {
			members = append(members, func() {
				unknown := []string{"merchantID", "slot_times", "extra", "", "[not.an.extension", "reserved_2", "StartSec"}
				fmt.Fprintf(&g.b, "%q", unknown[g.rng.IntN(len(unknown))]+strconv.Itoa(g.rng.IntN(1000)))
				g.ws()
				g.b.WriteByte(':')
				g.ws()
				g.unknownValue(3)
			})
		}
	}
	g.rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	g.b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			g.b.WriteByte(',')
		}
		g.ws()
		m()
		g.ws()
	}
	g.b.WriteByte('}')
}

// member returns a writer of "key": value with the key in a random style.
func (g *reqGen) member(protoName, jsonName string, value func()) func() {
	return func() {
		fmt.Fprintf(&g.b, "%q", g.name(protoName, jsonName))
		g.ws()
		g.b.WriteByte(':')
		g.ws()
		value()
	}
}

func (g *reqGen) some(ms ...func()) []func() {
	var out []func()
	for _, m := range ms {
		if g.rng.IntN(3) > 0 {
			out = append(out, m)
		}
	}
	return out
}

func (g *reqGen) slotTime() {
	enum := func() {
		modes := []string{`"CONFIRMATION_MODE_UNSPECIFIED"`, `"CONFIRMATION_MODE_SYNCHRONOUS"`, `"CONFIRMATION_MODE_ASYNCHRONOUS"`, "0", "1", "2", "7", "-1", "2147483647"}
		g.b.WriteString(modes[g.rng.IntN(len(modes))])
	}
	g.object(g.some(
		g.member("start_sec", "startSec", func() { g.b.WriteString(g.int(64)) }),
		g.member("duration_sec", "durationSec", func() { g.b.WriteString(g.int(64)) }),
		g.member("availability_tag", "availabilityTag", func() { g.b.WriteString(`"` + g.str() + `"`) }),
		g.member("resource_ids", "resourceIds", func() {
			g.object(g.some(
				g.member("staff_id", "staffId", func() { g.b.WriteString(`"` + g.str() + `"`) }),
				g.member("room_id", "roomId", func() { g.b.WriteString(`"` + g.str() + `"`) }),
				g.member("party_size", "partySize", func() { g.b.WriteString(g.int(32)) }),
			))
		}),
		g.member("service_id", "serviceId", func() { g.b.WriteString(`"` + g.str() + `"`) }),
		g.member("confirmation_mode", "confirmationMode", enum),
	))
}

// request returns a random request body.
func (g *reqGen) request() []byte {
	g.b.Reset()
	g.ws()
	g.object(g.some(
		g.member("merchant_id", "merchantId", func() { g.b.WriteString(`"` + g.str() + `"`) }),
		g.member("slot_time", "slotTime", func() {
			g.b.WriteByte('[')
			for i := range g.rng.IntN(6) {
				if i > 0 {
					g.b.WriteByte(',')
				}
				g.ws()
				g.slotTime()
				g.ws()
			}
			g.b.WriteByte(']')
		}),
	))
	g.ws()
	return []byte(g.b.String())
}

// TestFastBatchRequestJSON checks the fast parser against protojson on generated
// requests it must accept, and on protojson's own encodings of random messages.
func TestFastBatchRequestJSON(t *testing.T) {
	t.Parallel()
	g := &reqGen{rng: rand.New(rand.NewPCG(3, 4))}
	for range 20000 {
		if b := g.request(); !checkFastRequest(t, b) {
			t.Fatalf("fast parser declines a plain request:\n%s", b)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		r := &acv3.BatchAvailabilityLookupRequest{MerchantId: g.str()}
		for range rng.IntN(25) {
			r.SlotTime = append(r.SlotTime, slotTimeOfForDecode(g.str(), g.str(), g.str(), g.str(),
				rng.Int64()-rng.Int64(), rng.Int64N(100000), rng.Int32N(20)-5, rng.Int32N(5), rng.IntN(4) == 0))
		}
		for _, opts := range []func(proto.Message) ([]byte, error){func(m proto.Message) ([]byte, error) { return JSONOptions.Marshal(m) }, JSONOptions.MarshalOptions.Marshal,
			func(m proto.Message) ([]byte, error) {
				o := JSONOptions.MarshalOptions
				o.UseProtoNames = false
				return o.Marshal(m)
			},
			func(m proto.Message) ([]byte, error) {
				o := JSONOptions.MarshalOptions
				o.Multiline = true
				return o.Marshal(m)
			}} {
			b, err := opts(r)
			if err != nil {
				t.Fatal(err)
			}
			if !checkFastRequest(t, b) {
				t.Fatalf("fast parser declines protojson's encoding:\n%s", b)
			}
		}
	}
}

// slotTimeOfForDecode is a SlotTime with resource ids when any is set or forced.
func slotTimeOfForDecode(tag, staff, room, service string, start, duration int64, party, mode int32, forceRes bool) *acv3.SlotTime {
	st := &acv3.SlotTime{StartSec: start, DurationSec: duration, AvailabilityTag: tag, ServiceId: service, ConfirmationMode: acv3.ConfirmationMode(mode)}
	if forceRes || staff != "" || room != "" || party != 0 {
		st.ResourceIds = &acv3.ResourceIds{StaffId: staff, RoomId: room, PartySize: party}
	}
	return st
}

// nearMisses are bodies the fast parser must decline or decode exactly as protojson.
var nearMisses = []string{
	``, ` `, `{}`, `{} `, `{}x`, `{}{}`, `[]`, `null`, `{"merchant_id":null}`, `{"merchant_id":"a","merchantId":"b"}`,
	`{"merchant_id":"a\"b"}`, `{"merchant_id":"a\u0062"}`, `{"merchant_id":"\xff"}`, `{"merchant_id":"a` + "\x01" + `"}`,
	`{"merchant_id":1}`, `{"merchant_id":"a",}`, `{,}`, `{"slot_time":null}`, `{"slot_time":[null]}`, `{"slot_time":{}}`,
	`{"slot_time":[{}]}`, `{"slot_time":[],"slotTime":[]}`, `{"slot_time":[{},]}`, `{"slot_time":[{"start_sec":"1"}]`,
	`{"slot_time":[{"start_sec":1.0}]}`, `{"slot_time":[{"start_sec":1e3}]}`, `{"slot_time":[{"start_sec":01}]}`,
	`{"slot_time":[{"start_sec":+1}]}`, `{"slot_time":[{"start_sec":"-"}]}`, `{"slot_time":[{"start_sec":" 1"}]}`,
	`{"slot_time":[{"start_sec":"1 "}]}`, `{"slot_time":[{"start_sec":-0}]}`, `{"slot_time":[{"start_sec":"-0"}]}`,
	`{"slot_time":[{"start_sec":9223372036854775807}]}`, `{"slot_time":[{"start_sec":9223372036854775808}]}`,
	`{"slot_time":[{"start_sec":-9223372036854775808}]}`, `{"slot_time":[{"start_sec":-9223372036854775809}]}`,
	`{"slot_time":[{"start_sec":99999999999999999999}]}`, `{"slot_time":[{"start_sec":1,"startSec":2}]}`,
	`{"slot_time":[{"resource_ids":{"party_size":2147483647}}]}`, `{"slot_time":[{"resource_ids":{"party_size":2147483648}}]}`,
	`{"slot_time":[{"resource_ids":{"party_size":"-2147483648"}}]}`, `{"slot_time":[{"resource_ids":{"party_size":"-2147483649"}}]}`,
	`{"slot_time":[{"resource_ids":{}}]}`, `{"slot_time":[{"resource_ids":null}]}`, `{"slot_time":[{"resource_ids":[]}]}`,
	`{"slot_time":[{"confirmation_mode":"CONFIRMATION_MODE_SYNCHRONOUS"}]}`, `{"slot_time":[{"confirmation_mode":"NOPE"}]}`,
	`{"slot_time":[{"confirmation_mode":"1"}]}`, `{"slot_time":[{"confirmation_mode":2147483648}]}`, `{"slot_time":[{"confirmation_mode":-5}]}`,
	`{"x":truex}`, `{"x":nul}`, `{"x":-}`, `{"x":1.}`, `{"x":.5}`, `{"x":1e}`, `{"x":01}`, `{"x":[1,]}`, `{"x":{"a":1,}}`,
	`{"x":{"a"}}`, `{"x":{1:2}}`, `{"[ext]":1}`, `{"[a.b.c]":{}}`, `{"x":"\u00e9"}`, `{"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	"\ufeff{}", "{\"merchant_id\":\"a\"}\x00", "{\v}", "{\f}", `{"merchant_id":"a"}  {"merchant_id":"b"}`, `{"merchant_id":"a"}]`,
	`{"slot_time":[{"start_sec":"1","duration_sec":"1800","availability_tag":"t","resource_ids":{"staff_id":"s","room_id":"r","party_size":2},"service_id":"v","confirmation_mode":"CONFIRMATION_MODE_ASYNCHRONOUS"}],"merchant_id":"m"}`,
}

// TestFastBatchRequestNearMisses: on bodies just beside the plain ones, the fast parser
// declines or agrees with protojson.
func TestFastBatchRequestNearMisses(t *testing.T) {
	t.Parallel()
	for _, s := range nearMisses {
		checkFastRequest(t, []byte(s))
	}
}

// afterFirstValue reports whether body holds a valid first JSON value followed by
// anything but whitespace.
func afterFirstValue(body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return false
	}
	_, err := dec.Token()
	return err != io.EOF
}

// TestRestDecoderMatchesJSONPb: through restMarshaler.NewDecoder, every body gives the
// message and error JSONPb's decoder gives, whether the fast parser took it or not, and
// other message types go to JSONPb untouched — except a body with data after its first
// value, which JSONPb's streaming decoder would take and restMarshaler refuses.
func TestRestDecoderMatchesJSONPb(t *testing.T) {
	t.Parallel()
	m := restMarshaler{&JSONOptions}
	g := &reqGen{rng: rand.New(rand.NewPCG(7, 8))}
	bodies := append([]string{}, nearMisses...)
	for range 200 {
		bodies = append(bodies, string(g.request()))
	}
	decodeAll := func(dec interface{ Decode(any) error }) (msgs []*acv3.BatchAvailabilityLookupRequest, errs []string) {
		for range 3 { // the second and third calls see what is left of the body
			r := &acv3.BatchAvailabilityLookupRequest{MerchantId: "stale"}
			err := dec.Decode(r)
			msgs = append(msgs, r)
			errs = append(errs, fmt.Sprint(err))
		}
		return msgs, errs
	}
	for _, body := range bodies {
		gotMsgs, gotErrs := decodeAll(m.NewDecoder(strings.NewReader(body)))
		if afterFirstValue(body) {
			if !strings.Contains(gotErrs[0], "unexpected data after the JSON object") {
				t.Fatalf("body %q: got %v (%s), want the trailing data refused", body, gotMsgs[0], gotErrs[0])
			}
			continue
		}
		wantMsgs, wantErrs := decodeAll(JSONOptions.NewDecoder(strings.NewReader(body)))
		for i := range gotMsgs {
			if gotErrs[i] != wantErrs[i] || !proto.Equal(gotMsgs[i], wantMsgs[i]) {
				t.Fatalf("body %q, call %d: got %v (%s), want %v (%s)", body, i, gotMsgs[i], gotErrs[i], wantMsgs[i], wantErrs[i])
			}
		}
	}
	var other, want acv3.CreateBookingRequest
	body := `{"slot":{"merchant_id":"m","start_sec":"5"},"idempotency_token":"t"}`
	errGot := m.NewDecoder(strings.NewReader(body)).Decode(&other)
	errWant := JSONOptions.NewDecoder(strings.NewReader(body)).Decode(&want)
	if fmt.Sprint(errGot) != fmt.Sprint(errWant) || !proto.Equal(&other, &want) {
		t.Fatalf("CreateBookingRequest: got %v (%v), want %v (%v)", &other, errGot, &want, errWant)
	}
	if err := m.NewDecoder(strings.NewReader(body + "garbage")).Decode(&other); err == nil {
		t.Fatal("CreateBookingRequest with trailing data decoded")
	}
}

// FuzzFastBatchRequestJSON: whenever the fast parser accepts a body, protojson accepts
// it too and decodes an equal message.
func FuzzFastBatchRequestJSON(f *testing.F) {
	g := &reqGen{rng: rand.New(rand.NewPCG(9, 10))}
	for range 30 {
		f.Add(g.request())
	}
	for _, s := range nearMisses {
		f.Add([]byte(s))
	}
	b, err := JSONOptions.Marshal(synth.NewLayout(synth.Params{Slots: 10000}).BatchRequest(3))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"slot_time":[{"start_sec":` + strconv.FormatInt(math.MinInt64, 10) + `}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkFastRequest(t, b)
	})
}

// BenchmarkBatchRequestJSONDecode decodes the JSON body of a 20-slot lookup as the REST
// gateway does, through JSONPb's decoder (protojson) and restMarshaler's (fast).
func BenchmarkBatchRequestJSONDecode(b *testing.B) {
	body, err := JSONOptions.Marshal(synth.NewLayout(synth.Params{Slots: 10000}).BatchRequest(3))
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, newDecoder func(*bytes.Reader) interface{ Decode(any) error }) {
		r := bytes.NewReader(body)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			r.Reset(body)
			var req acv3.BatchAvailabilityLookupRequest
			if err := newDecoder(r).Decode(&req); err != nil || len(req.SlotTime) != synth.LookupSlots {
				b.Fatal(err, len(req.SlotTime))
			}
		}
	}
	b.Run("protojson", func(b *testing.B) {
		run(b, func(r *bytes.Reader) interface{ Decode(any) error } { return JSONOptions.NewDecoder(r) })
	})
	b.Run("fast", func(b *testing.B) {
		m := restMarshaler{&JSONOptions}
		run(b, func(r *bytes.Reader) interface{ Decode(any) error } { return m.NewDecoder(r) })
	})
}
