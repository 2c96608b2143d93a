package feeds_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// bundle is a small valid set of feeds that each test case breaks in one place.
type bundle struct {
	merchants    *acv3.MerchantFeed
	services     *acv3.ServiceFeed
	availability *acv3.AvailabilityFeed
}

func usd(micros int64) *acv3.Price { return &acv3.Price{PriceMicros: micros, CurrencyCode: "USD"} }

func metadata() *acv3.FeedMetadata {
	return &acv3.FeedMetadata{ProcessingInstruction: acv3.FeedMetadata_PROCESS_AS_COMPLETE, TotalShards: 1, GenerationTimestamp: 1795392000}
}

func setup(t *testing.T) bundle {
	t.Helper()
	return bundle{
		merchants: &acv3.MerchantFeed{Metadata: metadata(), Merchant: []*acv3.Merchant{
			{MerchantId: "m1", Name: "One", PaymentOption: []*acv3.PaymentOption{{PaymentOptionId: "po1", Price: usd(10)}}},
			{MerchantId: "m2", Name: "Two"},
		}},
		services: &acv3.ServiceFeed{Metadata: metadata(), Service: []*acv3.Service{
			{MerchantId: "m1", ServiceId: "s1", Price: usd(200), PaymentOptionId: []string{"po1"},
				Deposit:   &acv3.Deposit{Deposit: usd(25), MinAdvanceCancellationSec: 14400},
				NoShowFee: &acv3.NoShowFee{Fee: usd(25)}},
			{MerchantId: "m2", ServiceId: "s1"},
		}},
		availability: &acv3.AvailabilityFeed{Metadata: metadata(), ServiceAvailability: []*acv3.ServiceAvailability{{
			Availability: []*acv3.Availability{
				{MerchantId: "m1", ServiceId: "s1", StartSec: 1795420800, DurationSec: 3600, SpotsTotal: 2, SpotsOpen: 1,
					PaymentOptionId: []string{"po1"}, Deposit: &acv3.Deposit{Deposit: usd(50)}},
				{MerchantId: "m1", ServiceId: "s1", StartSec: 1795428000, DurationSec: 1800,
					Recurrence:        &acv3.Availability_Recurrence{RepeatUntilSec: 1795449600, RepeatEverySec: 1800},
					ScheduleException: []*acv3.Availability_ScheduleException{{TimeRange: &acv3.TimeRange{StartSec: 1795435200, EndSec: 1795438800}}}},
			},
		}}},
	}
}

// validate runs the three validations as a store would, each feed against the
// catalog of the merchant and service feeds.
func (b bundle) validate() []error {
	catalog := feeds.NewCatalog(b.merchants, b.services)
	return []error{
		feeds.ValidateMerchantFeed(b.merchants),
		feeds.ValidateServiceFeed(b.services, catalog),
		feeds.ValidateAvailabilityFeed(b.availability, catalog),
	}
}

func TestValidateValidBundle(t *testing.T) {
	t.Parallel()
	for _, err := range setup(t).validate() {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestValidateProblems(t *testing.T) {
	t.Parallel()
	slot := func(b bundle) *acv3.Availability {
		return b.availability.GetServiceAvailability()[0].GetAvailability()[0]
	}
	recurring := func(b bundle) *acv3.Availability {
		return b.availability.GetServiceAvailability()[0].GetAvailability()[1]
	}
	service := func(b bundle) *acv3.Service { return b.services.GetService()[0] }
	tests := []struct {
		name   string
		break_ func(b bundle)
		want   feeds.Problem // Message is a substring
	}{
		// Metadata, checked the same way in every feed.
		{"metadata missing", func(b bundle) { b.merchants.Metadata = nil },
			feeds.Problem{"merchant", "metadata", "metadata", "missing"}},
		{"processing instruction unknown", func(b bundle) { b.services.Metadata.ProcessingInstruction = acv3.FeedMetadata_PROCESS_UNKNOWN },
			feeds.Problem{"service", "metadata", "processing_instruction", "PROCESS_UNKNOWN"}},
		{"total shards zero", func(b bundle) { b.availability.Metadata.TotalShards = 0 },
			feeds.Problem{"availability", "metadata", "total_shards", "at least 1"}},
		{"shard number too big", func(b bundle) { b.availability.Metadata.ShardNumber = 1 },
			feeds.Problem{"availability", "metadata", "shard_number", "want 0 to 0"}},
		{"shard number negative", func(b bundle) { b.merchants.Metadata.ShardNumber = -1 },
			feeds.Problem{"merchant", "metadata", "shard_number", "is -1"}},
		{"nonce missing with shards", func(b bundle) { b.merchants.Metadata.TotalShards = 3; b.merchants.Metadata.ShardNumber = 2 },
			feeds.Problem{"merchant", "metadata", "nonce", "total_shards > 1"}},
		{"generation timestamp missing", func(b bundle) { b.services.Metadata.GenerationTimestamp = 0 },
			feeds.Problem{"service", "metadata", "generation_timestamp", "missing"}},

		// Merchants.
		{"merchant id empty", func(b bundle) { b.merchants.Merchant[1].MerchantId = "" },
			feeds.Problem{"merchant", `merchant[1] merchant_id=""`, "merchant_id", "missing"}},
		{"merchant id duplicate", func(b bundle) { b.merchants.Merchant[1].MerchantId = "m1" },
			feeds.Problem{"merchant", `merchant[1] merchant_id="m1"`, "merchant_id", "duplicate of merchant[0]"}},
		{"merchant name empty", func(b bundle) { b.merchants.Merchant[0].Name = "" },
			feeds.Problem{"merchant", `merchant[0] merchant_id="m1"`, "name", "missing"}},
		{"payment option id duplicate", func(b bundle) {
			b.merchants.Merchant[0].PaymentOption = append(b.merchants.Merchant[0].PaymentOption, &acv3.PaymentOption{PaymentOptionId: "po1"})
		}, feeds.Problem{"merchant", `merchant[0] merchant_id="m1"`, "payment_option[1].payment_option_id", `duplicate "po1"`}},
		{"payment option price currency malformed", func(b bundle) { b.merchants.Merchant[0].PaymentOption[0].Price.CurrencyCode = "usd" },
			feeds.Problem{"merchant", `merchant[0] merchant_id="m1"`, "payment_option[0].price.currency_code", "three upper-case letters"}},

		// Services.
		{"service id empty", func(b bundle) { service(b).ServiceId = "" },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id=""`, "service_id", "missing"}},
		{"service merchant id empty", func(b bundle) { service(b).MerchantId = "" },
			feeds.Problem{"service", `service[0] merchant_id="" service_id="s1"`, "merchant_id", "missing"}},
		{"service id duplicate", func(b bundle) { b.services.Service[1].MerchantId = "m1" },
			feeds.Problem{"service", `service[1] merchant_id="m1" service_id="s1"`, "service_id", "duplicate of service[0]"}},
		{"service of unknown merchant", func(b bundle) { b.services.Service[1].MerchantId = "m9" },
			feeds.Problem{"service", `service[1] merchant_id="m9" service_id="s1"`, "merchant_id", `unknown merchant "m9"`}},
		{"price without currency", func(b bundle) { service(b).Price.CurrencyCode = "" },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "price.currency_code", "missing"}},
		{"price currency too long", func(b bundle) { service(b).Price.CurrencyCode = "USDT" },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "price.currency_code", `"USDT" is not an ISO 4217 code`}},
		{"price negative", func(b bundle) { service(b).Price.PriceMicros = -1 },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "price.price_micros", "negative"}},
		{"prepayment without price", func(b bundle) {
			b.services.Service[1].PrepaymentType = acv3.PrepaymentType_REQUIRED
		}, feeds.Problem{"service", `service[1] merchant_id="m2" service_id="s1"`, "price", "REQUIRED"}},
		{"deposit larger than price", func(b bundle) { service(b).Deposit.Deposit.PriceMicros = 201 },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "deposit.deposit.price_micros", "larger than the price 200"}},
		{"deposit negative", func(b bundle) { service(b).Deposit.Deposit.PriceMicros = -5 },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "deposit.deposit.price_micros", "negative"}},
		{"deposit other currency", func(b bundle) { service(b).Deposit.Deposit.CurrencyCode = "EUR" },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "deposit.deposit.currency_code", "EUR differs from the service price's currency USD"}},
		{"deposit without amount", func(b bundle) { service(b).Deposit.Deposit = nil },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "deposit.deposit", "missing"}},
		{"deposit refund notice negative", func(b bundle) { service(b).Deposit.MinAdvanceCancellationSec = -1 },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "deposit.min_advance_cancellation_sec", "negative"}},
		{"no-show fee other currency", func(b bundle) { service(b).NoShowFee.Fee.CurrencyCode = "CAD" },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "no_show_fee.fee.currency_code", "CAD differs"}},
		{"no-show fee without currency", func(b bundle) { service(b).NoShowFee.Fee.CurrencyCode = "" },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "no_show_fee.fee.currency_code", "missing"}},
		{"service payment option undefined", func(b bundle) { service(b).PaymentOptionId = []string{"po1", "po2"} },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "payment_option_id[1]", `"po2" is not a payment_option of merchant "m1"`}},
		{"rules negative", func(b bundle) { service(b).Rules = &acv3.SchedulingRules{MinAdvanceOnlineCanceling: -60} },
			feeds.Problem{"service", `service[0] merchant_id="m1" service_id="s1"`, "rules.min_advance_online_canceling", "negative"}},

		// Availability.
		{"slot merchant id empty", func(b bundle) { slot(b).MerchantId = "" },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="" service_id="s1" start_sec=1795420800`, "merchant_id", "missing"}},
		{"slot service id empty", func(b bundle) { slot(b).ServiceId = "" },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="" start_sec=1795420800`, "service_id", "missing"}},
		{"slot of unknown service", func(b bundle) { slot(b).ServiceId = "s9" },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s9" start_sec=1795420800`, "service_id", `unknown service "s9" of merchant "m1"`}},
		{"slot of unknown merchant", func(b bundle) { slot(b).MerchantId = "m9" },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m9" service_id="s1" start_sec=1795420800`, "service_id", `unknown service "s1" of merchant "m9"`}},
		{"slot start missing", func(b bundle) { slot(b).StartSec = 0 },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=0`, "start_sec", "is 0"}},
		{"duration zero", func(b bundle) { slot(b).DurationSec = 0 },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "duration_sec", "is 0"}},
		{"duration negative", func(b bundle) { slot(b).DurationSec = -3600 },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "duration_sec", "is -3600"}},
		{"spots open above total", func(b bundle) { slot(b).SpotsOpen = 3 },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "spots_open", "3 is more than spots_total 2"}},
		{"spots total negative", func(b bundle) { slot(b).SpotsTotal = -1 },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "spots_total", "negative"}},
		{"spots open negative", func(b bundle) { slot(b).SpotsOpen = -1 },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "spots_open", "negative"}},
		{"recurrence with capacity", func(b bundle) { recurring(b).SpotsTotal, recurring(b).SpotsOpen = 4, 4 },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "spots_total", "recurrence implies spots 1/1"}},
		{"recurrence period zero", func(b bundle) { recurring(b).Recurrence.RepeatEverySec = 0 },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "recurrence.repeat_every_sec", "is 0"}},
		{"recurrence period negative", func(b bundle) { recurring(b).Recurrence.RepeatEverySec = -1800 },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "recurrence.repeat_every_sec", "is -1800"}},
		{"recurrence period over a day", func(b bundle) { recurring(b).Recurrence.RepeatEverySec = 86401 },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "recurrence.repeat_every_sec", "want 1 to 86400"}},
		{"recurrence ends before start", func(b bundle) { recurring(b).Recurrence.RepeatUntilSec = 1795427999 },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "recurrence.repeat_until_sec", "before start_sec"}},
		{"exception empty range", func(b bundle) { recurring(b).ScheduleException[0].TimeRange.EndSec = 1795435200 },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "schedule_exception[0].time_range.end_sec", "not after start_sec"}},
		{"exception reversed range", func(b bundle) { recurring(b).ScheduleException[0].TimeRange.EndSec = 1 },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "schedule_exception[0].time_range.end_sec", "not after start_sec"}},
		{"exception without range", func(b bundle) { recurring(b).ScheduleException[0].TimeRange = nil },
			feeds.Problem{"availability", `service_availability[0].availability[1] merchant_id="m1" service_id="s1" start_sec=1795428000`, "schedule_exception[0].time_range", "missing"}},
		{"slot deposit larger than price", func(b bundle) { slot(b).Deposit.Deposit.PriceMicros = 500 },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "deposit.deposit.price_micros", "larger than the price 200"}},
		{"slot deposit other currency", func(b bundle) { slot(b).Deposit.Deposit.CurrencyCode = "EUR" },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "deposit.deposit.currency_code", "EUR differs"}},
		{"slot no-show fee malformed currency", func(b bundle) {
			slot(b).NoShowFee = &acv3.NoShowFee{Fee: &acv3.Price{PriceMicros: 1, CurrencyCode: "$"}}
		},
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "no_show_fee.fee.currency_code", "not an ISO 4217 code"}},
		{"slot prepayment negative", func(b bundle) {
			slot(b).Prepayment = &acv3.Prepayment{PriceInfo: &acv3.PriceInfo{Price: usd(-1)}}
		}, feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "prepayment.price_info.price.price_micros", "negative"}},
		{"slot payment option undefined", func(b bundle) { slot(b).PaymentOptionId = []string{"nope"} },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "payment_option_id[0]", `"nope" is not a payment_option of merchant "m1"`}},
		{"duplicate slot", func(b bundle) {
			sa := b.availability.ServiceAvailability[0]
			sa.Availability = append(sa.Availability, &acv3.Availability{MerchantId: "m1", ServiceId: "s1", StartSec: 1795420800, DurationSec: 3600, SpotsTotal: 1})
		}, feeds.Problem{"availability", `service_availability[0].availability[2] merchant_id="m1" service_id="s1" start_sec=1795420800`, "start_sec", "same slot" /* as */}},
		{"slot outside merchant restrict", func(b bundle) {
			sa := b.availability.ServiceAvailability[0]
			sa.MerchantIdRestrict, sa.Availability = "m2", sa.Availability[:1]
		},
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "merchant_id", `outside merchant_id_restrict "m2"`}},
		{"restrict range reversed", func(b bundle) {
			b.availability.ServiceAvailability[0].StartTimestampRestrict = 20
			b.availability.ServiceAvailability[0].EndTimestampRestrict = 10
		}, feeds.Problem{"availability", "service_availability[0]", "end_timestamp_restrict", "not after start_timestamp_restrict"}},
		{"staff id with NUL", func(b bundle) { slot(b).Resources = &acv3.Resources{StaffId: "a\x00b"} },
			feeds.Problem{"availability", `service_availability[0].availability[0] merchant_id="m1" service_id="s1" start_sec=1795420800`, "resources.staff_id", "NUL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tt.break_(b)
			var all []feeds.Problem
			for _, err := range b.validate() {
				var verr *feeds.ValidationError
				if errors.As(err, &verr) {
					all = append(all, verr.Problems...)
				} else if err != nil {
					t.Fatalf("got %T %v, want a *feeds.ValidationError", err, err)
				}
			}
			// A broken service makes its slots' service unknown too; within the
			// broken feed, one mistake is one problem.
			var inFeed []feeds.Problem
			for _, p := range all {
				if p.Feed == tt.want.Feed {
					inFeed = append(inFeed, p)
				}
			}
			for _, p := range inFeed {
				if p.Record == tt.want.Record && p.Field == tt.want.Field && strings.Contains(p.Message, tt.want.Message) {
					if len(inFeed) > 1 {
						t.Errorf("one mistake, %d problems: %v", len(inFeed), inFeed)
					}
					return
				}
			}
			t.Errorf("got %v\nwant %v", all, tt.want)
		})
	}
}

// TestValidateNilCatalog checks that without a catalog the feed-local checks run
// and the cross-feed ones are skipped.
func TestValidateNilCatalog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.services.Service[1].MerchantId = "unknown"
	b.availability.ServiceAvailability[0].Availability[0].ServiceId = "unknown"
	if err := feeds.ValidateServiceFeed(b.services, nil); err != nil {
		t.Error(err)
	}
	if err := feeds.ValidateAvailabilityFeed(b.availability, nil); err != nil {
		t.Error(err)
	}
	b.availability.ServiceAvailability[0].Availability[0].DurationSec = 0
	if err := feeds.ValidateAvailabilityFeed(b.availability, nil); err == nil {
		t.Error("zero duration passed without a catalog")
	}
}

// TestValidationErrorCaps checks that a feed with a mistake in every record keeps a
// bounded number of problems, lists the first ones and counts the rest.
func TestValidationErrorCaps(t *testing.T) {
	t.Parallel()
	feed := &acv3.MerchantFeed{Metadata: metadata()}
	for range 1500 {
		feed.Merchant = append(feed.Merchant, &acv3.Merchant{Name: "no id"})
	}
	err := feeds.ValidateMerchantFeed(feed)
	var verr *feeds.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v", err)
	}
	if got := len(verr.Problems) + verr.Dropped; got != 1500 {
		t.Errorf("%d problems counted, want 1500", got)
	}
	if len(verr.Problems) > 1000 {
		t.Errorf("%d problems kept, want at most 1000", len(verr.Problems))
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "1500 feed problems:") || !strings.HasSuffix(msg, "... and 1480 more") || strings.Count(msg, "\n") != 21 {
		t.Errorf("message:\n%s", msg)
	}
	one := &feeds.ValidationError{Problems: []feeds.Problem{{"service", "service[0]", "price", "missing"}}}
	if got, want := one.Error(), "service feed: service[0]: price: missing"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
