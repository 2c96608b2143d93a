package feeds_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// collector is a visitor that rebuilds the feed it is given.
type collector struct {
	feed *acv3.AvailabilityFeed
	// failAt, if positive, makes the failAt-th slot return errStop.
	failAt, slots int
}

var errStop = errors.New("stop")

func (c *collector) Metadata(md *acv3.FeedMetadata) error {
	if c.feed == nil {
		c.feed = &acv3.AvailabilityFeed{Metadata: md}
	}
	return nil
}

func (c *collector) ServiceAvailability(sa *acv3.ServiceAvailability) error {
	if len(sa.GetAvailability()) != 0 {
		return errors.New("service_availability passed with its slots")
	}
	c.feed.ServiceAvailability = append(c.feed.ServiceAvailability, sa)
	return nil
}

func (c *collector) Slot(a *acv3.Availability) error {
	c.slots++
	if c.slots == c.failAt {
		return errStop
	}
	last := c.feed.ServiceAvailability[len(c.feed.ServiceAvailability)-1]
	last.Availability = append(last.Availability, a)
	return nil
}

// sameAsParse checks that streaming data gives what ParseAvailabilityFeed and
// ValidateAvailabilityFeed give: the same records, the same parse error (message,
// line and column) and the same problems.
func sameAsParse(t *testing.T, data []byte) {
	t.Helper()
	parsed, perr := feeds.ParseAvailabilityFeed(data)
	c := &collector{}
	s := feeds.NewAvailabilityStream(nil)
	serr := s.Decode(data, c)
	if (perr == nil) != (serr == nil) {
		t.Fatalf("parse error %v, stream error %v", perr, serr)
	}
	if perr != nil {
		var pp, sp *feeds.ParseError
		if !errors.As(serr, &sp) || !errors.As(perr, &pp) {
			t.Fatalf("stream error %v (%T), parse error %v (%T): want *feeds.ParseError", serr, serr, perr, perr)
		}
		// Of several unknown enum values in one object, either may be named
		// first (a map is walked); other errors must match exactly.
		if !strings.Contains(perr.Error(), "unknown value") && (perr.Error() != serr.Error() || pp.Line != sp.Line || pp.Column != sp.Column) {
			t.Fatalf("stream error %q (%d:%d), parse error %q (%d:%d)", serr, sp.Line, sp.Column, perr, pp.Line, pp.Column)
		}
		return
	}
	if !proto.Equal(parsed, c.feed) {
		t.Fatalf("streamed feed differs:\n%v\nparsed:\n%v", c.feed, parsed)
	}
	verr, serr := feeds.ValidateAvailabilityFeed(parsed, nil), s.Validate(parsed.GetMetadata())
	if (verr == nil) != (serr == nil) || (verr != nil && verr.Error() != serr.Error()) {
		t.Fatalf("stream problems:\n%v\nvalidate problems:\n%v", serr, verr)
	}
}

// streamHead is a valid metadata for hand-written feeds.
const streamHead = `"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":1795392000}`

func TestStreamMatchesParse(t *testing.T) {
	t.Parallel()
	slot := `{"merchant_id":"m1","service_id":"s1","start_sec":"1894003200","duration_sec":1800,"spots_total":2,"spots_open":1}`
	tests := map[string]string{
		"empty object":             `{}`,
		"metadata only":            `{` + streamHead + `}`,
		"null list":                `{` + streamHead + `,"service_availability":null}`,
		"empty list":               `{"service_availability":[],` + streamHead + `}`,
		"metadata last":            `{"service_availability":[{"availability":[` + slot + `]}],` + streamHead + "}\n",
		"json names":               `{"serviceAvailability":[{"merchantIdRestrict":"m1","availability":[{"merchantId":"m1","serviceId":"s1","startSec":1894003200,"durationSec":"60"}]}],` + streamHead + `}`,
		"restricts after slots":    `{` + streamHead + `,"service_availability":[{"availability":[` + slot + `,` + slot + `],"merchant_id_restrict":"m2","start_timestamp_restrict":5,"end_timestamp_restrict":1}]}`,
		"null availability":        `{` + streamHead + `,"service_availability":[{"availability":null,"merchant_id_restrict":"m1"},{}]}`,
		"unknown fields":           `{"x":{"y":[1,{"}":"]"}]},` + streamHead + `,"service_availability":[{"z":"\"","availability":[{"q":[],"merchant_id":"m1"}]}],"w":null}`,
		"escaped keys":             `{"service_availabilit\u0079":[{"availabilit\u0079":[` + slot + `]}],` + streamHead + `}`,
		"whitespace":               " \n{ \"service_availability\" :\t[ { \"availability\" : [ " + slot + " , " + slot + " ] } , { } ] , " + streamHead + " } \n",
		"both list names":          `{"service_availability":[],"serviceAvailability":[]}`,
		"repeated availability":    `{"service_availability":[{"availability":[],"availability":[]}]}`,
		"repeated metadata":        `{` + streamHead + `,` + streamHead + `}`,
		"restrict repeated":        `{"service_availability":[{"merchant_id_restrict":"a","merchantIdRestrict":"b"}]}`,
		"trailing garbage":         `{` + streamHead + `} x`,
		"trailing after list":      `{"service_availability":[]}}`,
		"missing comma":            `{"service_availability":[{"availability":[` + slot + slot + `]}]}`,
		"trailing comma":           `{"service_availability":[{"availability":[` + slot + `,]}]}`,
		"truncated":                `{"service_availability":[{"availability":[` + slot,
		"wrong slot type":          `{"service_availability":[{"availability":[{"start_sec":"soon"}]}]}`,
		"slot not an object":       `{"service_availability":[{"availability":[3]}]}`,
		"null slot":                `{"service_availability":[{"availability":[null]}]}`,
		"null service_avail":       `{"service_availability":[null]}`,
		"list not an array":        `{"service_availability":{}}`,
		"not an object":            `[]`,
		"null document":            `null`,
		"unknown slot enum":        `{"service_availability":[{"availability":[` + slot + `,{"require_credit_card":"SOMETIMES"}]}]}`,
		"known slot enum":          `{"service_availability":[{"availability":[{"require_credit_card":"REQUIRE_CREDIT_CARD_ALWAYS"}]}]}`,
		"unknown metadata enum":    `{"metadata":{"processing_instruction":"PROCESS_LATER"},"service_availability":[{"availability":[{"deposit":{"deposit_type":"FIXED_RATE_DEFAULT"}}]}]}`,
		"bad utf-8 in unknown key": "{\"\xff\":1}",
		"control char in string":   "{\"service_availability\":[{\"availability\":[{\"merchant_id\":\"a\x01\"}]}]}",
		"duplicate slots":          `{` + streamHead + `,"service_availability":[{"availability":[` + slot + `]},{"availability":[` + slot + `]}]}`,
		"problems":                 `{"service_availability":[{"availability":[{"merchant_id":"m\u0000"},{"start_sec":-1}]}]}`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sameAsParse(t, []byte(data))
		})
	}
}

func TestStreamExampleAndSeedFeeds(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("../examples/feeds/*availability*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no example availability feeds: %v", err)
	}
	corpus, _ := filepath.Glob("testdata/fuzz/FuzzParseAvailabilityFeed/*")
	for _, path := range append(paths, corpus...) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(path, "testdata/fuzz") {
			data = fuzzInput(t, data)
		}
		t.Run(filepath.Base(path), func(t *testing.T) { sameAsParse(t, data) })
	}
}

// fuzzInput reads the []byte of a "go test fuzz v1" corpus file.
func fuzzInput(t *testing.T, file []byte) []byte {
	t.Helper()
	_, lit, ok := bytes.Cut(file, []byte("[]byte("))
	if !ok {
		t.Fatalf("not a []byte corpus entry: %q", file)
	}
	lit = bytes.TrimSuffix(bytes.TrimSpace(lit), []byte(")"))
	s, err := strconv.Unquote(string(lit))
	if err != nil {
		t.Fatalf("corpus literal %s: %v", lit, err)
	}
	return []byte(s)
}

func TestStreamShardsContinueIndices(t *testing.T) {
	t.Parallel()
	shard := func(n int, slots string) []byte {
		return []byte(`{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","shard_number":` + string(rune('0'+n)) +
			`,"total_shards":2,"nonce":"7","generation_timestamp":1795392000},"service_availability":[{"availability":[` + slots + `]}]}`)
	}
	slot := `{"merchant_id":"m1","service_id":"s1","start_sec":1894003200,"duration_sec":1800,"spots_total":1,"spots_open":1}`
	s := feeds.NewAvailabilityStream(nil)
	c := &collector{}
	for n, data := range [][]byte{shard(0, slot), shard(1, `{"merchant_id":"m1","service_id":"s1","start_sec":0,"duration_sec":60},`+slot)} {
		if err := s.Decode(data, c); err != nil {
			t.Fatalf("shard %d: %v", n, err)
		}
	}
	if s.Valid() {
		t.Fatal("Valid after a problem")
	}
	err := s.Validate(c.feed.GetMetadata())
	var verr *feeds.ValidationError
	if !errors.As(err, &verr) || len(verr.Problems) != 2 {
		t.Fatalf("got %v, want two problems", err)
	}
	if got := verr.Problems[0].Record; !strings.HasPrefix(got, "service_availability[1].availability[0] ") {
		t.Errorf("first problem of shard 1 is on %q, want service_availability[1].availability[0]", got)
	}
	if got := verr.Problems[1].Message; !strings.Contains(got, "as service_availability[0].availability[0]") {
		t.Errorf("duplicate across shards: %q", got)
	}
}

func TestStreamVisitorErrorStops(t *testing.T) {
	t.Parallel()
	slot := `{"merchant_id":"m1","service_id":"s1","start_sec":1894003200,"duration_sec":1800}`
	data := []byte(`{` + streamHead + `,"service_availability":[{"availability":[` + slot + `,` + slot + `,` + slot + `]}]}`)
	c := &collector{failAt: 2}
	if err := feeds.StreamAvailabilityFeed(data, nil, c); !errors.Is(err, errStop) {
		t.Fatalf("got %v, want the visitor's error", err)
	}
	if c.slots != 2 {
		t.Errorf("visited %d slots after the error, want 2", c.slots)
	}
}

func TestStreamAvailabilityFeedValidates(t *testing.T) {
	t.Parallel()
	data := []byte(`{"service_availability":[{"availability":[{"merchant_id":"m1","service_id":"s1","start_sec":1894003200,"duration_sec":1800}]}]}`)
	err := feeds.StreamAvailabilityFeed(data, nil, &collector{})
	var verr *feeds.ValidationError
	if !errors.As(err, &verr) || verr.Problems[0].Record != "metadata" {
		t.Fatalf("got %v, want the missing metadata", err)
	}
}

func TestAppendSlotKey(t *testing.T) {
	t.Parallel()
	a := &acv3.Availability{MerchantId: "m", ServiceId: "s", StartSec: 5, DurationSec: 6,
		Resources: &acv3.Resources{StaffId: "st", RoomId: "r", PartySize: 2}}
	if got, want := feeds.AppendSlotKey([]byte("x"), a), append([]byte("x"), feeds.NewSlotKey("m", "s", 5, 6, "st", "r", 2)...); !bytes.Equal(got, want) {
		t.Errorf("AppendSlotKey = %q, want %q", got, want)
	}
}

// FuzzStreamAvailabilityFeed checks that streaming a feed accepts, refuses and
// reports exactly what ParseAvailabilityFeed and ValidateAvailabilityFeed do.
func FuzzStreamAvailabilityFeed(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { sameAsParse(t, data) })
}

// TestStreamMutations runs sameAsParse on random mutations of small feeds: bytes
// that matter to the structure (brackets, quotes, commas, escapes, names of the
// two lists) inserted, deleted or replaced. STREAM_MUTATIONS sets how many.
func TestStreamMutations(t *testing.T) {
	t.Parallel()
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("STREAM_MUTATIONS")); err == nil {
		n = v
	}
	slot := `{"merchant_id":"m1","service_id":"s1","start_sec":"1894003200","duration_sec":1800,"deposit":{"deposit_type":"FIXED_RATE_DEFAULT"}}`
	seeds := []string{
		`{` + streamHead + `,"service_availability":[{"merchant_id_restrict":"m1","availability":[` + slot + `,` + slot + `]},{"availability":null}]}`,
		`{"serviceAvailability":[{"availability":[` + slot + `],"resources_restrict":{"staff_id":"x"}}],"x":[1,"]"],` + streamHead + `}`,
	}
	pieces := []string{"{", "}", "[", "]", `"`, `\`, ",", ":", " ", "null", "1", `"availability":`, `"service_availability":`, `\u0000`, "\xff"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		data := []byte(seeds[rng.IntN(len(seeds))])
		for range 1 + rng.IntN(3) {
			at := rng.IntN(len(data) + 1)
			p := pieces[rng.IntN(len(pieces))]
			switch rng.IntN(3) {
			case 0:
				data = slices.Insert(data, at, []byte(p)...)
			case 1:
				data = slices.Delete(data, at, min(len(data), at+1+rng.IntN(3)))
			default:
				data = slices.Concat(data[:at], []byte(p), data[min(len(data), at+len(p)):])
			}
		}
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("input: %q", data)
				}
			}()
			sameAsParse(t, data)
		})
	}
}
