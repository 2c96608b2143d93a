package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// rulesNames are the keys a service may use for Service.rules: the reference name
// (whose JSON name is the same) and the payment guide's "scheduling_rules" in both
// name styles.
var rulesNames = map[string]bool{"rules": true, "scheduling_rules": true, "schedulingRules": true}

// rulesKey replaces an alias key. It is padded with spaces to the alias's length,
// which is valid JSON (whitespace may follow a key) and keeps every later byte
// where it was, so protojson's line and column still point into the caller's file.
const rulesKey = `"rules"`

// renameSchedulingRules rewrites "scheduling_rules" and "schedulingRules" to
// "rules" in the objects of the top-level "service" array, and nowhere else. It
// copies data only when there is something to rename. Syntax errors are left to
// protojson, which reports them with a position: on any, data is returned as is.
func renameSchedulingRules(data []byte) ([]byte, error) {
	out, copied := data, false
	err := eachMember(data, 0, func(top member) error {
		if top.key != "service" || top.value[0] != '[' {
			return nil
		}
		return eachElement(top.value, top.valueAt, func(service []byte, serviceAt int) error {
			if service[0] != '{' {
				return nil
			}
			first := ""
			return eachMember(service, serviceAt, func(m member) error {
				if !rulesNames[m.key] {
					return nil
				}
				// "rules" twice is protojson's duplicate field; an alias with
				// anything is ours to report, since protojson never sees the alias.
				if first != "" && (first != "rules" || m.key != "rules") {
					line, col := position(data, m.keyAt)
					return &ParseError{Feed: kindService, Line: line, Column: col,
						Err: fmt.Errorf("%q and %q both set Service.rules (scheduling_rules); use one", first, m.key)}
				}
				first = m.key
				if m.key == "rules" {
					return nil
				}
				if !copied {
					out, copied = bytes.Clone(data), true
				}
				n := copy(out[m.keyAt:m.keyEnd], rulesKey)
				for i := m.keyAt + n; i < m.keyEnd; i++ {
					out[i] = ' '
				}
				return nil
			})
		})
	})
	var perr *ParseError
	if errors.As(err, &perr) {
		return nil, perr
	}
	if err != nil {
		return data, nil
	}
	return out, nil
}

// member is one member of a JSON object, with byte offsets into the whole input.
type member struct {
	key           string // decoded key
	keyAt, keyEnd int    // the raw key, quotes included
	value         []byte // raw value
	valueAt       int    // offset of value
}

// eachMember calls fn for each member of the JSON object obj, which starts at byte
// offset base of the whole input. It stops at fn's first error.
func eachMember(obj []byte, base int, fn func(member) error) error {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("not an object: %v", err)
	}
	for dec.More() {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		m := member{keyEnd: base + int(dec.InputOffset())}
		m.key, _ = tok.(string)
		// Only blanks and a comma separate the previous token from the key.
		m.keyAt = base + before + bytes.IndexByte(obj[before:], '"')
		if err := dec.Decode((*json.RawMessage)(&m.value)); err != nil {
			return err
		}
		m.valueAt = base + int(dec.InputOffset()) - len(m.value)
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// eachElement calls fn for each element of the JSON array arr, which starts at
// byte offset base of the whole input, with the element's offset.
func eachElement(arr []byte, base int, fn func(elem []byte, elemAt int) error) error {
	dec := json.NewDecoder(bytes.NewReader(arr))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return fmt.Errorf("not an array: %v", err)
	}
	for dec.More() {
		var elem json.RawMessage
		if err := dec.Decode(&elem); err != nil {
			return err
		}
		if err := fn(elem, base+int(dec.InputOffset())-len(elem)); err != nil {
			return err
		}
	}
	return nil
}
