package server

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// restMarshaler is the REST surface's marshaler: protojson with JSONOptions for every
// message, except the answer to BatchAvailabilityLookup — Google's most frequent call,
// 20 slot times at page load — which is written directly in the same format (snake_case
// names, int64 as strings, zero values omitted, enums by name). protojson's reflection
// cost more than the lookup itself; TestFastBatchAvailabilityJSON and its fuzz target
// check the two encodings decode to the same message.
type restMarshaler struct {
	*runtime.JSONPb
}

// Marshal writes v as JSON.
func (m restMarshaler) Marshal(v any) ([]byte, error) {
	if r, ok := v.(*acv3.BatchAvailabilityLookupResponse); ok {
		// About 170 bytes an answer: one allocation for the usual 20.
		return AppendBatchAvailabilityJSON(make([]byte, 0, 192*len(r.GetSlotTimeAvailability())+32), r), nil
	}
	return m.JSONPb.Marshal(v)
}

// AppendBatchAvailabilityJSON appends r in the REST surface's JSON format.
func AppendBatchAvailabilityJSON(b []byte, r *acv3.BatchAvailabilityLookupResponse) []byte {
	answers := r.GetSlotTimeAvailability()
	if len(answers) == 0 {
		return append(b, "{}"...)
	}
	b = append(b, `{"slot_time_availability":[`...)
	for i, a := range answers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		sep := false
		if st := a.GetSlotTime(); st != nil {
			b = append(b, `"slot_time":`...)
			b = appendSlotTime(b, st)
			sep = true
		}
		if a.GetAvailable() {
			if sep {
				b = append(b, ',')
			}
			b = append(b, `"available":true`...)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// jsonObject appends the members of one JSON object, commas included.
type jsonObject struct {
	b    []byte
	used bool
}

func (o *jsonObject) key(name string) {
	if o.used {
		o.b = append(o.b, ',')
	}
	o.used = true
	o.b = append(append(append(o.b, '"'), name...), `":`...)
}

func (o *jsonObject) int64(name string, v int64) {
	if v != 0 {
		o.key(name)
		o.b = append(strconv.AppendInt(append(o.b, '"'), v, 10), '"')
	}
}

func (o *jsonObject) int32(name string, v int32) {
	if v != 0 {
		o.key(name)
		o.b = strconv.AppendInt(o.b, int64(v), 10)
	}
}

func (o *jsonObject) string(name, v string) {
	if v != "" {
		o.key(name)
		o.b = appendJSONString(o.b, v)
	}
}

func appendSlotTime(b []byte, st *acv3.SlotTime) []byte {
	o := jsonObject{b: append(b, '{')}
	o.int64("start_sec", st.GetStartSec())
	o.int64("duration_sec", st.GetDurationSec())
	o.string("availability_tag", st.GetAvailabilityTag())
	if r := st.GetResourceIds(); r != nil {
		o.key("resource_ids")
		ro := jsonObject{b: append(o.b, '{')}
		ro.string("staff_id", r.GetStaffId())
		ro.string("room_id", r.GetRoomId())
		ro.int32("party_size", r.GetPartySize())
		o.b = append(ro.b, '}')
	}
	o.string("service_id", st.GetServiceId())
	if cm := st.GetConfirmationMode(); cm != 0 {
		o.key("confirmation_mode")
		if name, ok := acv3.ConfirmationMode_name[int32(cm)]; ok {
			o.b = appendJSONString(o.b, name)
		} else {
			o.b = strconv.AppendInt(o.b, int64(cm), 10) // a number protojson also writes bare
		}
	}
	return append(o.b, '}')
}

// appendJSONString appends s as a JSON string: plain printable ASCII directly, anything
// else through encoding/json (escapes, invalid UTF-8 replaced, as protojson requires
// valid UTF-8 anyway).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}
