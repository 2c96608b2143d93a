package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Feed kinds, as they appear in ParseError.Feed and Problem.Feed.
const (
	kindMerchant     = "merchant"
	kindService      = "service"
	kindAvailability = "availability"
)

// unmarshalOptions accept what Google's feeds contain: proto (snake_case) and JSON
// (lowerCamelCase) names alike, int64 as string or number, and fields or enum values
// newer than our protos, which are dropped so that a newer feed does not break us.
var unmarshalOptions = protojson.UnmarshalOptions{DiscardUnknown: true}

// ParseError is a feed that could not be decoded. Line and Column (1-based, counted
// in runes like protojson does) locate the problem so that a human can fix the
// file; both are 0 when the decoder did not say where it stopped.
type ParseError struct {
	// Feed is "merchant", "service" or "availability".
	Feed string
	// Line is the 1-based line of the problem, 0 if unknown.
	Line int
	// Column is the 1-based column (in runes) of the problem, 0 if unknown.
	Column int
	// Err is the decoder's error.
	Err error
}

// Error names the feed, the position and the decoder's message without the
// decoder's own prefix and position, which would repeat what we already say.
func (e *ParseError) Error() string {
	msg := decoderMessage(e.Err)
	if e.Line == 0 {
		return fmt.Sprintf("%s feed: %s", e.Feed, msg)
	}
	return fmt.Sprintf("%s feed: line %d, column %d: %s", e.Feed, e.Line, e.Column, msg)
}

// Unwrap returns the decoder's error.
func (e *ParseError) Unwrap() error { return e.Err }

// ParseMerchantFeed decodes a merchant feed.
func ParseMerchantFeed(data []byte) (*acv3.MerchantFeed, error) {
	feed := &acv3.MerchantFeed{}
	if err := unmarshal(kindMerchant, data, feed); err != nil {
		return nil, err
	}
	if err := checkEnums(kindMerchant, data, feed.ProtoReflect().Descriptor()); err != nil {
		return nil, err
	}
	return feed, nil
}

// ParseServiceFeed decodes a service feed. Besides the reference name "rules" it
// accepts "scheduling_rules" (and "schedulingRules") for Service.rules, the spelling
// of Google's payment guide; a service that carries two of them is an error.
func ParseServiceFeed(data []byte) (*acv3.ServiceFeed, error) {
	data, err := renameSchedulingRules(data)
	if err != nil {
		return nil, err
	}
	feed := &acv3.ServiceFeed{}
	if err := unmarshal(kindService, data, feed); err != nil {
		return nil, err
	}
	if err := checkEnums(kindService, data, feed.ProtoReflect().Descriptor()); err != nil {
		return nil, err
	}
	return feed, nil
}

// ParseAvailabilityFeed decodes an availability feed. Availability feeds are the
// big ones (a million slots is ordinary), so the bytes go straight to protojson
// with no alias rewriting, and the enum check runs only when a slot carries a
// payment enum (the override fields).
func ParseAvailabilityFeed(data []byte) (*acv3.AvailabilityFeed, error) {
	feed := &acv3.AvailabilityFeed{}
	if err := unmarshal(kindAvailability, data, feed); err != nil {
		return nil, err
	}
	if mayHaveEnums(data, availabilityEnumFields) {
		if err := checkEnums(kindAvailability, data, feed.ProtoReflect().Descriptor()); err != nil {
			return nil, err
		}
	}
	return feed, nil
}

// availabilityEnumFields are the JSON names (both styles) of the enum fields an
// availability feed can carry.
var availabilityEnumFields = []string{"require_credit_card", "requireCreditCard", "fee_type", "feeType",
	"deposit_type", "depositType", "price_type", "priceType", "confirmation_mode", "confirmationMode",
	"duration_requirement", "durationRequirement"}

// unmarshal decodes data into m and turns a failure into a *ParseError with a
// position. The happy path costs one protojson pass; only on failure is the input
// checked again by encoding/json, whose SyntaxError carries an exact byte offset.
func unmarshal(kind string, data []byte, m proto.Message) error {
	err := unmarshalOptions.Unmarshal(data, m)
	if err == nil {
		return nil
	}
	var raw json.RawMessage
	var syntax *json.SyntaxError
	if jerr := json.Unmarshal(data, &raw); errors.As(jerr, &syntax) {
		// Offset counts the bytes read, the offending one included, or all of
		// them when the input ends too early.
		off := int(syntax.Offset) - 1
		if int(syntax.Offset) == len(data) && syntax.Error() == "unexpected end of JSON input" {
			off = len(data)
		}
		line, col := position(data, off)
		return &ParseError{Feed: kind, Line: line, Column: col, Err: syntax}
	}
	// Valid JSON that does not fit the message (a wrong type, a duplicate field):
	// protojson names the position only in its message.
	line, col := protojsonPosition(err)
	return &ParseError{Feed: kind, Line: line, Column: col, Err: err}
}

// position returns the 1-based line and rune column of byte offset off in data.
func position(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}

// protojsonLineCol matches the " (line 3:17)" protojson puts in its messages.
var protojsonLineCol = regexp.MustCompile(`\s*\(line (\d+):(\d+)\)`)

// protojsonPosition reads the position out of a protojson error, or 0, 0.
func protojsonPosition(err error) (line, col int) {
	m := protojsonLineCol.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, 0
	}
	line, _ = strconv.Atoi(m[1])
	col, _ = strconv.Atoi(m[2])
	return line, col
}

// decoderMessage is err's text without protojson's "proto:" prefix (followed by a
// space or, at random, a non-breaking space) and its "(line l:c)".
func decoderMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "proto:")
	msg = strings.TrimSpace(protojsonLineCol.ReplaceAllString(msg, ""))
	return strings.TrimSpace(strings.TrimPrefix(msg, ":"))
}
