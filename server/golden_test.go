package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	"github.com/bookingserver/bookingserver/server"
)

// goldenMessage returns an empty message of the type a golden file is named after:
// testdata/golden/CreateBookingResponse_failure.json holds a CreateBookingResponse.
func goldenMessage(t *testing.T, path string) proto.Message {
	t.Helper()
	name, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(path), ".json"), "_")
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName("actionscenter.v3." + name))
	if err != nil {
		t.Fatalf("%s: no message type %s: %v", path, name, err)
	}
	return mt.New().Interface()
}

func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, data)
	}
	return v
}

// camelKeys rewrites every object key from snake_case to lowerCamelCase.
func camelKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			parts := strings.Split(k, "_")
			for i := 1; i < len(parts); i++ {
				parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
			}
			out[strings.Join(parts, "")] = camelKeys(e)
		}
		return out
	case []any:
		for i := range v {
			v[i] = camelKeys(v[i])
		}
	}
	return v
}

// TestGoldenJSON decodes every request and response built from the spec's examples and
// encodes it again: Google's field names (snake_case), int64-as-string and enum names
// must survive unchanged (zero enum values such as FIXED_RATE_DEFAULT are omitted, as
// Google's JsonFormat printer does), every key must be a known field, the lowerCamelCase form must
// decode to the same message, and the binary encoding must round-trip.
func TestGoldenJSON(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/golden/*.json")
	if err != nil || len(files) < 18 {
		t.Fatalf("golden files: %v (%d found)", err, len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			msg := goldenMessage(t, path)
			if err := (protojson.UnmarshalOptions{}).Unmarshal(data, msg); err != nil {
				t.Fatalf("strict decode (unknown field or wrong type?): %v", err)
			}
			out, err := server.JSONOptions.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := jsonValue(t, out), jsonValue(t, data); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the JSON\n got: %s\nwant: %s", out, data)
			}

			camel, _ := json.Marshal(camelKeys(jsonValue(t, data)))
			fromCamel := goldenMessage(t, path)
			if err := server.JSONOptions.Unmarshal(camel, fromCamel); err != nil {
				t.Fatalf("camelCase decode: %v", err)
			}
			if !proto.Equal(fromCamel, msg) {
				t.Errorf("camelCase form decodes differently:\n%v\n%v", fromCamel, msg)
			}

			bin, err := proto.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			back := goldenMessage(t, path)
			if err := proto.Unmarshal(bin, back); err != nil || !proto.Equal(back, msg) {
				t.Errorf("binary round trip: %v", err)
			}
		})
	}
}

// TestJSONLeniency: Google may send int64 as bare numbers and fields we do not know yet.
func TestJSONLeniency(t *testing.T) {
	t.Parallel()
	in := `{"merchant_id":"m","slot_time":[{"service_id":"s","start_sec":1798790400,"duration_sec":1800,"newer_google_field":{"x":1}}],"another_new_field":true}`
	msg := goldenMessage(t, "BatchAvailabilityLookupRequest.json")
	if err := server.JSONOptions.Unmarshal([]byte(in), msg); err != nil {
		t.Fatalf("lenient decode: %v", err)
	}
	out, _ := server.JSONOptions.Marshal(msg)
	want := `{"merchant_id":"m","slot_time":[{"start_sec":"1798790400","duration_sec":"1800","service_id":"s"}]}`
	if !reflect.DeepEqual(jsonValue(t, out), jsonValue(t, []byte(want))) {
		t.Errorf("got %s, want %s", out, want)
	}
}
