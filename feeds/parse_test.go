package feeds_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// feedHead opens a one-service feed on a single line, so that the line numbers of a
// sample wrapped in it are the sample's own.
const feedHead = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":1795392000},"service":[`

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func wrapService(sample []byte) []byte {
	return []byte(feedHead + string(sample) + "]}")
}

func TestParseNameStylesAndNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
	}{
		{"snake_case, int64 as strings", `{"service_availability":[{"availability":[{"merchant_id":"m","service_id":"s","start_sec":"1795392000","duration_sec":"3600","spots_total":"2","spots_open":"1"}]}]}`},
		{"lowerCamelCase, int64 as numbers", `{"serviceAvailability":[{"availability":[{"merchantId":"m","serviceId":"s","startSec":1795392000,"durationSec":3600,"spotsTotal":2,"spotsOpen":1}]}]}`},
		{"unknown fields ignored", `{"future":{"x":[1]},"service_availability":[{"availability":[{"merchant_id":"m","service_id":"s","start_sec":1795392000,"duration_sec":3600,"spots_total":2,"spots_open":1,"linkout_required_reason":"X"}]}]}`},
	}
	want := &acv3.Availability{MerchantId: "m", ServiceId: "s", StartSec: 1795392000, DurationSec: 3600, SpotsTotal: 2, SpotsOpen: 1}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			feed, err := feeds.ParseAvailabilityFeed([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			got := feed.GetServiceAvailability()[0].GetAvailability()[0]
			if !proto.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestParseErrorsHavePositions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		parse     func([]byte) error
		json      string
		line, col int
		msg       string
	}{
		{"missing comma", parseMerchants, "{\n  \"merchant\": [\n    {\"merchant_id\": \"a\"}\n    {\"merchant_id\": \"b\"}\n  ]\n}", 4, 5, "after array element"},
		{"trailing comma", parseServices, "{\n \"service\": [\n  {\"service_id\": \"a\",}\n ]\n}", 3, 22, "invalid character '}'"},
		{"unquoted word", parseAvailability, "{\"service_availability\": [\n\t{\"availability\": [{\"merchant_id\": m}]}]}", 2, 36, "invalid character 'm'"},
		{"column counts runes", parseMerchants, "{\"merchant\": [{\"name\": \"Café\" \"x\": 1}]}", 1, 31, "after object key:value pair"},
		{"truncated", parseAvailability, "{\"service_availability\": [\n", 2, 1, "unexpected end"},
		{"wrong type", parseAvailability, "{\"service_availability\": [\n  {\"availability\": [{\"start_sec\": \"soon\"}]}]}", 2, 35, "invalid value for int64"},
		{"duplicate field", parseServices, "{\"service\": [{\"rules\": {},\n \"rules\": {}}]}", 2, 2, `duplicate field "rules"`},
		{"not an array", parseMerchants, `{"merchant": 3}`, 1, 14, "unexpected token 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.parse([]byte(tt.json))
			var perr *feeds.ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("got %v, want a *feeds.ParseError", err)
			}
			if perr.Line != tt.line || perr.Column != tt.col || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got line %d column %d %q; want line %d column %d containing %q",
					perr.Line, perr.Column, err, tt.line, tt.col, tt.msg)
			}
			if strings.Contains(err.Error(), "proto:") || strings.Count(err.Error(), "line") != 1 {
				t.Errorf("message %q repeats the decoder's prefix or position", err)
			}
		})
	}
}

func parseMerchants(data []byte) error    { _, err := feeds.ParseMerchantFeed(data); return err }
func parseServices(data []byte) error     { _, err := feeds.ParseServiceFeed(data); return err }
func parseAvailability(data []byte) error { _, err := feeds.ParseAvailabilityFeed(data); return err }

func TestParseServiceFeedSchedulingRulesAlias(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want int64 // rules.min_advance_online_canceling of service[0]; -1: error
	}{
		{"reference name", `{"service":[{"service_id":"s","rules":{"min_advance_online_canceling":14400}}]}`, 14400},
		{"payment guide name", `{"service":[{"service_id":"s","scheduling_rules":{"min_advance_online_canceling":14400}}]}`, 14400},
		{"camel alias", `{"service":[{"serviceId":"s","schedulingRules":{"minAdvanceOnlineCanceling":"14400"}}]}`, 14400},
		{"escaped alias", `{"service":[{"service_id":"s","scheduling\u005frules":{"min_advance_online_canceling":14400}}]}`, 14400},
		{"alias elsewhere is unknown", `{"metadata":{"scheduling_rules":{}},"service":[{"service_id":"s","price":{"scheduling_rules":1}}]}`, 0},
		{"both", `{"service":[{"rules":{},"scheduling_rules":{"min_advance_online_canceling":14400}}]}`, -1},
		{"both, camel", `{"service":[{"schedulingRules":{},"rules":{}}]}`, -1},
		{"alias twice", `{"service":[{"scheduling_rules":{},"schedulingRules":{}}]}`, -1},
		{"one per service", `{"service":[{"rules":{"min_advance_online_canceling":1}},{"scheduling_rules":{}}]}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			feed, err := feeds.ParseServiceFeed([]byte(tt.json))
			if tt.want < 0 {
				var perr *feeds.ParseError
				if !errors.As(err, &perr) || perr.Line != 1 || !strings.Contains(err.Error(), "use one") {
					t.Fatalf("got %v, want a positioned error about both spellings", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := feed.GetService()[0].GetRules().GetMinAdvanceOnlineCanceling(); got != tt.want {
				t.Errorf("rules.min_advance_online_canceling = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestParseServiceFeedAliasKeepsPositions checks that renaming the alias does not
// move later errors: the position is the caller's file's.
func TestParseServiceFeedAliasKeepsPositions(t *testing.T) {
	t.Parallel()
	data := "{\"service\": [{\"scheduling_rules\": {}, \"price\": {\"price_micros\": \"x\"}}]}"
	_, err := feeds.ParseServiceFeed([]byte(data))
	var perr *feeds.ParseError
	if !errors.As(err, &perr) || perr.Line != 1 || perr.Column != strings.Index(data, `"x"`)+1 {
		t.Fatalf("got %v, want line 1 column %d", err, strings.Index(data, `"x"`)+1)
	}
}

// TestSeedSamples parses the payment guide's service samples: as printed, the ones
// with slips fail at the first slip; corrected, every money field is where the
// reference puts it.
func TestSeedSamples(t *testing.T) {
	t.Parallel()
	printed := []struct {
		file      string
		line, col int // 0: the sample is valid JSON
	}{
		{"pay_on_arrival.json", 0, 0},
		{"prepayment.json", 10, 5},
		{"no_show_fee.json", 10, 5},
		{"deposit.json", 10, 5},
		{"credit_card.json", 0, 0},
	}
	for _, tt := range printed {
		t.Run("printed/"+tt.file, func(t *testing.T) {
			t.Parallel()
			_, err := feeds.ParseServiceFeed(wrapService(readFile(t, filepath.Join("testdata/seed001/printed", tt.file))))
			if tt.line == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var perr *feeds.ParseError
			if !errors.As(err, &perr) || perr.Line != tt.line || perr.Column != tt.col {
				t.Fatalf("got %v, want a syntax error at line %d column %d", err, tt.line, tt.col)
			}
		})
	}

	usd := func(micros int64) *acv3.Price { return &acv3.Price{PriceMicros: micros, CurrencyCode: "USD"} }
	corrected := []struct {
		file string
		want *acv3.Service
	}{
		{"pay_on_arrival.json", &acv3.Service{MerchantId: "merchant-1", ServiceId: "service-1-a", Name: "Men's haircut",
			Description: "One of our stylists will cut your hair", Price: usd(15000000)}},
		{"prepayment.json", &acv3.Service{MerchantId: "merchant-1", ServiceId: "service-2-b", Name: "Spa Treatment",
			Description: "A full spa treatment", Price: usd(200000000), PrepaymentType: acv3.PrepaymentType_REQUIRED}},
		{"no_show_fee.json", &acv3.Service{MerchantId: "merchant-1", ServiceId: "service-2-b", Name: "Spa Treatment",
			Description: "A full spa treatment", Price: usd(200000000),
			Rules:     &acv3.SchedulingRules{MinAdvanceOnlineCanceling: 14400},
			NoShowFee: &acv3.NoShowFee{Fee: usd(25000000), FeeType: acv3.PriceType_FIXED_RATE_DEFAULT}}},
		{"deposit.json", &acv3.Service{MerchantId: "merchant-1", ServiceId: "service-2-b", Name: "Spa Treatment",
			Description: "A full spa treatment", Price: usd(200000000),
			Rules: &acv3.SchedulingRules{MinAdvanceOnlineCanceling: 86400},
			Deposit: &acv3.Deposit{Deposit: usd(25000000), MinAdvanceCancellationSec: 14400,
				DepositType: acv3.PriceType_FIXED_RATE_DEFAULT}}},
		{"credit_card.json", &acv3.Service{MerchantId: "merchant-1", ServiceId: "service-1-a", Name: "Men's haircut",
			Description: "One of our stylists will cut your hair", Price: usd(15000000),
			RequireCreditCard: acv3.RequireCreditCard_REQUIRE_CREDIT_CARD_ALWAYS}},
	}
	catalog := feeds.NewCatalog(&acv3.MerchantFeed{Merchant: []*acv3.Merchant{{MerchantId: "merchant-1"}}}, nil)
	for _, tt := range corrected {
		t.Run("corrected/"+tt.file, func(t *testing.T) {
			t.Parallel()
			feed, err := feeds.ParseServiceFeed(wrapService(readFile(t, filepath.Join("testdata/seed001/corrected", tt.file))))
			if err != nil {
				t.Fatal(err)
			}
			if got := feed.GetService()[0]; !proto.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
			if err := feeds.ValidateServiceFeed(feed, catalog); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestExampleFeeds parses and validates examples/feeds together, as a store would.
func TestExampleFeeds(t *testing.T) {
	t.Parallel()
	merchants, err := feeds.ParseMerchantFeed(readFile(t, "../examples/feeds/merchants.json"))
	if err != nil {
		t.Fatal(err)
	}
	services, err := feeds.ParseServiceFeed(readFile(t, "../examples/feeds/services.json"))
	if err != nil {
		t.Fatal(err)
	}
	availability, err := feeds.ParseAvailabilityFeed(readFile(t, "../examples/feeds/availability.json"))
	if err != nil {
		t.Fatal(err)
	}
	catalog := feeds.NewCatalog(merchants, services)
	for name, err := range map[string]error{
		"merchants":    feeds.ValidateMerchantFeed(merchants),
		"services":     feeds.ValidateServiceFeed(services, catalog),
		"availability": feeds.ValidateAvailabilityFeed(availability, catalog),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(services.GetService()); n != 6 {
		t.Errorf("%d services, want 6", n)
	}
	// Every service has slots, none before 2026-11-23 or after 2027-01-31 (UTC bounds
	// loose enough for New York and Paris).
	first, last := int64(1795392000-86400), int64(1801872000+86400)
	perService := map[string]int{}
	for _, sa := range availability.GetServiceAvailability() {
		for _, a := range sa.GetAvailability() {
			err := feeds.Expand(a, func(slot *acv3.Availability) error {
				if slot.GetStartSec() < first || slot.GetStartSec() > last {
					t.Errorf("slot %v outside the period", slot)
				}
				perService[slot.GetServiceId()]++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range services.GetService() {
		if perService[s.GetServiceId()] == 0 {
			t.Errorf("service %s has no slots", s.GetServiceId())
		}
	}
}
