package feeds_test

import (
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/feeds"
)

// TestUnknownEnumValuesAreRefused: unknown fields are ignored, but an enum value that
// does not exist (a typo in a money field) fails the parse instead of silently meaning
// "unspecified" — prepayment_type "REQURED" must not book without charging.
func TestUnknownEnumValuesAreRefused(t *testing.T) {
	t.Parallel()
	meta := `"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1"}`
	tests := []struct {
		name, feed string
		parse      func([]byte) error
		wantErr    string
	}{
		{"service prepayment typo", `{` + meta + `,"service":[{"merchant_id":"m","service_id":"s","prepayment_type":"REQURED"}]}`,
			func(b []byte) error { _, err := feeds.ParseServiceFeed(b); return err }, `service[0].prepayment_type: unknown value "REQURED"`},
		{"nested fee type", `{` + meta + `,"service":[{"merchant_id":"m","service_id":"s","no_show_fee":{"fee_type":"PER_HEAD"}}]}`,
			func(b []byte) error { _, err := feeds.ParseServiceFeed(b); return err }, `service[0].no_show_fee.fee_type: unknown value "PER_HEAD"`},
		{"slot override", `{` + meta + `,"service_availability":[{"availability":[{"merchant_id":"m","requireCreditCard":"ALWAYS"}]}]}`,
			func(b []byte) error { _, err := feeds.ParseAvailabilityFeed(b); return err }, `service_availability[0].availability[0].requireCreditCard: unknown value "ALWAYS"`},
		{"merchant card type", `{` + meta + `,"merchant":[{"merchant_id":"m","payment_restrictions":{"credit_card_restrictions":{"credit_card_type":["VISA","DINERS"]}}}]}`,
			func(b []byte) error { _, err := feeds.ParseMerchantFeed(b); return err }, `credit_card_type[1]: unknown value "DINERS"`},
		{"price interpretation zero, reference spelling", `{` + meta + `,"service":[{"merchant_id":"m","service_id":"s","price":{"price_micros":"1","currency_code":"USD"},"price_interpretation":"INTERPRETATION_UNSPECIFIED"}]}`,
			func(b []byte) error { _, err := feeds.ParseServiceFeed(b); return err }, ""},
		{"price interpretation zero, prefixed spelling", `{` + meta + `,"service":[{"merchant_id":"m","service_id":"s","price":{"price_micros":"1","currency_code":"USD"},"price_interpretation":"PRICE_INTERPRETATION_UNSPECIFIED"}]}`,
			func(b []byte) error { _, err := feeds.ParseServiceFeed(b); return err }, ""},
		{"known values and unknown fields pass", `{` + meta + `,"service":[{"merchant_id":"m","service_id":"s","prepayment_type":"REQUIRED","future_field":{"x":"Y"}}]}`,
			func(b []byte) error { _, err := feeds.ParseServiceFeed(b); return err }, ""},
	}
	for _, tt := range tests {
		err := tt.parse([]byte(tt.feed))
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}
