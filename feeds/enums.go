package feeds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Unknown fields are ignored (a newer Google feed must not break us), but protojson's
// DiscardUnknown also drops an enum value it does not know, silently. For the fields
// that decide money (prepayment_type "REQURED" would mean nothing is charged) that is
// wrong: checkEnums walks the JSON beside the message descriptor and refuses any enum
// value that is not a value name or number of its enum.

// checkEnums returns an error naming the path of the first unknown enum value in data.
func checkEnums(kind string, data []byte, md protoreflect.MessageDescriptor) error {
	return checkEnumsAt(kind, data, md, "")
}

// checkEnumsAt is checkEnums for data found at path in a feed (e.g.
// "service_availability[3]"), which prefixes the path it reports.
func checkEnumsAt(kind string, data []byte, md protoreflect.MessageDescriptor, path string) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil // protojson has accepted it; a syntax problem is reported there
	}
	if path, bad := findUnknownEnum(v, md, path); path != "" {
		return &ParseError{Feed: kind, Err: fmt.Errorf("%s: unknown value %q", path, bad)}
	}
	return nil
}

// mayHaveEnums reports whether data may name an enum field of md: a cheap test that
// spares the walk over a big feed whose slots carry no enum at all.
func mayHaveEnums(data []byte, names []string) bool {
	for _, n := range names {
		if bytes.Contains(data, []byte(n)) {
			return true
		}
	}
	return false
}

// findUnknownEnum walks v (decoded JSON) as a message of type md.
func findUnknownEnum(v any, md protoreflect.MessageDescriptor, path string) (string, string) {
	obj, ok := v.(map[string]any)
	if !ok {
		return "", ""
	}
	fields := md.Fields()
	for key, val := range obj {
		fd := fields.ByJSONName(key)
		if fd == nil {
			fd = fields.ByName(protoreflect.Name(key))
		}
		if fd == nil {
			continue // unknown field: ignored on purpose
		}
		p := strings.TrimPrefix(path+"."+key, ".")
		var items []any
		if list, ok := val.([]any); ok && fd.IsList() {
			items = list
		} else {
			items = []any{val}
		}
		for i, item := range items {
			ip := p
			if fd.IsList() {
				ip = fmt.Sprintf("%s[%d]", p, i)
			}
			switch {
			case fd.Kind() == protoreflect.EnumKind:
				if s, ok := item.(string); ok && fd.Enum().Values().ByName(protoreflect.Name(s)) == nil {
					return ip, s
				}
			case fd.Kind() == protoreflect.MessageKind && !fd.IsMap():
				if bp, bad := findUnknownEnum(item, fd.Message(), ip); bp != "" {
					return bp, bad
				}
			}
		}
	}
	return "", ""
}
