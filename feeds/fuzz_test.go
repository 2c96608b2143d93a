package feeds_test

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/feeds"
)

// addSeeds adds the example feeds and the testdata samples (bare and wrapped in a
// service feed) to the fuzz corpus.
func addSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob("../examples/feeds/*.json")
	if err != nil {
		f.Fatal(err)
	}
	samples, err := filepath.Glob("testdata/seed001/*/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(files, samples...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > maxSeed {
			data = firstSlots(f, data)
		}
		f.Add(data)
		f.Add(wrapService(data))
	}
}

// maxSeed bounds seed size: the example availability feed (190 KB) makes each run
// slow and the minimisation of each new input take the whole fuzz time.
const maxSeed = 16 << 10

// firstSlots keeps the first two slots of each service_availability of a big
// availability feed, so the fuzzer still sees every shape the file holds.
func firstSlots(f *testing.F, data []byte) []byte {
	f.Helper()
	feed, err := feeds.ParseAvailabilityFeed(data)
	if err != nil {
		f.Fatal(err)
	}
	for _, sa := range feed.GetServiceAvailability() {
		sa.Availability = sa.Availability[:min(2, len(sa.Availability))]
	}
	out, err := protojson.MarshalOptions{Multiline: true, UseProtoNames: true}.Marshal(feed)
	if err != nil {
		f.Fatal(err)
	}
	return out
}

// fuzzParse checks one parser: it never panics, and what it accepts marshals and
// parses back to the same message.
func fuzzParse[M proto.Message](f *testing.F, parse func([]byte) (M, error)) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parse(data)
		if err != nil {
			return
		}
		out, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(feed)
		if err != nil {
			t.Fatalf("parsed but does not marshal: %v", err)
		}
		again, err := parse(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if !proto.Equal(feed, again) {
			t.Fatalf("round trip changed the feed:\n%v\n%v", feed, again)
		}
	})
}

func FuzzParseMerchantFeed(f *testing.F)     { fuzzParse(f, feeds.ParseMerchantFeed) }
func FuzzParseServiceFeed(f *testing.F)      { fuzzParse(f, feeds.ParseServiceFeed) }
func FuzzParseAvailabilityFeed(f *testing.F) { fuzzParse(f, feeds.ParseAvailabilityFeed) }
