package feeds

import (
	"bytes"
	"encoding/json"
)

// jsonWalker steps through the structure of a JSON document held in memory —
// objects, arrays, keys, and the extent of each value — without decoding values.
// It lets AvailabilityStream cut an availability feed into pieces (each slot, each
// service_availability without its slots, the feed without its
// service_availability) that protojson then decodes one at a time.
//
// The walker checks only the bytes between the pieces (whitespace, ':', ',',
// brackets, keys). It finds where a skipped value ends by counting brackets outside
// strings, which is exact for valid JSON; every skipped value lies inside a piece
// that protojson decodes, and so is checked there. On anything unexpected the
// walker just fails, and the caller falls back to decoding the whole document,
// whose error is then the one reported.
type jsonWalker struct {
	data []byte
	pos  int
}

// ws skips JSON whitespace.
func (w *jsonWalker) ws() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// consume skips whitespace and then c, if c is next.
func (w *jsonWalker) consume(c byte) bool {
	w.ws()
	if w.pos < len(w.data) && w.data[w.pos] == c {
		w.pos++
		return true
	}
	return false
}

// null skips whitespace and then the literal null, if it is next.
func (w *jsonWalker) null() bool {
	w.ws()
	if bytes.HasPrefix(w.data[w.pos:], []byte("null")) {
		w.pos += 4
		return true
	}
	return false
}

// key reads an object key and the colon after it. The key is returned decoded
// (escapes resolved), aliasing the input when it has no escapes.
func (w *jsonWalker) key() ([]byte, bool) {
	w.ws()
	start := w.pos
	end, ok := stringEnd(w.data, start)
	if !ok {
		return nil, false
	}
	w.pos = end
	raw := w.data[start:end]
	key := raw[1 : len(raw)-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		key = []byte(s)
	}
	return key, w.consume(':')
}

// skip skips whitespace and one value, and returns where the value starts.
func (w *jsonWalker) skip() (int, bool) {
	w.ws()
	start := w.pos
	end, ok := valueEnd(w.data, start)
	w.pos = end
	return start, ok && end > start
}

// stringEnd returns the offset just after the string that starts at data[i].
func stringEnd(data []byte, i int) (int, bool) {
	if i >= len(data) || data[i] != '"' {
		return i, false
	}
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return len(data), false
}

// valueEnd returns the offset just after the value that starts at data[i]:
// a string, an object or array (brackets counted outside strings), or a literal
// or number (up to the next delimiter).
func valueEnd(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return i, false
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				end, ok := stringEnd(data, i)
				if !ok {
					return end, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return i, false
	case '}', ']', ',', ':':
		return i, false
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i, true
		}
		i++
	}
	return i, true
}
