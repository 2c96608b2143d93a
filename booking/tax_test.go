package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/sandbox"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestTaxRateResolution: the rate is the payment option's, else the service's, else
// the merchant's (tax_rate, else the deprecated basis points); the tax is rounded half
// up to the currency's minor unit.
func TestTaxRateResolution(t *testing.T) {
	t.Parallel()
	rate := func(mp int32) *acv3.TaxRate { return &acv3.TaxRate{MicroPercent: mp} }
	merchant := &acv3.Merchant{MerchantId: "m", TaxRate: rate(8_875_000), PaymentOption: []*acv3.PaymentOption{
		{PaymentOptionId: "opt", Price: usd(10_000_000), TaxRate: rate(5_000_000)},
		{PaymentOptionId: "plain", Price: usd(10_000_000)},
	}}
	svc := &acv3.Service{MerchantId: "m", ServiceId: "s", Price: usd(200_000_000)}
	tests := []struct {
		name string
		m    *acv3.Merchant
		s    *acv3.Service
		a    *acv3.Availability
		want booking.Money
	}{
		{"merchant rate", merchant, svc, &acv3.Availability{}, booking.Money{Micros: 17_750_000, Currency: "USD"}},
		{"service rate wins", merchant, &acv3.Service{Price: usd(200_000_000), TaxRate: rate(0)}, &acv3.Availability{}, booking.Money{Micros: 0, Currency: "USD"}},
		{"payment option rate wins", merchant, svc, &acv3.Availability{PaymentOptionId: []string{"opt"}}, booking.Money{Micros: 500_000, Currency: "USD"}},
		{"option without rate: service's or merchant's", merchant, svc, &acv3.Availability{PaymentOptionId: []string{"plain"}}, booking.Money{Micros: 890_000, Currency: "USD"}}, // 0.8875 → 0.89
		// 8.875 % of USD 15.00 is 1.33125: rounded to the cent, 1.33.
		{"rounded to the cent", merchant, &acv3.Service{Price: usd(15_000_000)}, &acv3.Availability{}, booking.Money{Micros: 1_330_000, Currency: "USD"}},
		// 8.875 % of USD 0.20 is 0.01775: half up, 0.02.
		{"half up", merchant, &acv3.Service{Price: usd(200_000)}, &acv3.Availability{}, booking.Money{Micros: 20_000, Currency: "USD"}},
		// 10 % of JPY 1,005 is 100.5: JPY has no minor unit, 101.
		{"yen", &acv3.Merchant{TaxRate: rate(10_000_000)}, &acv3.Service{Price: &acv3.Price{PriceMicros: 1_005_000_000, CurrencyCode: "JPY"}}, &acv3.Availability{}, booking.Money{Micros: 101_000_000, Currency: "JPY"}},
		{"basis points", &acv3.Merchant{TaxRateBasisPoints: 725}, &acv3.Service{Price: usd(100_000_000)}, &acv3.Availability{}, booking.Money{Micros: 7_250_000, Currency: "USD"}},
	}
	for _, tt := range tests {
		pol, err := booking.ResolvePolicy(tt.m, tt.s, tt.a, 0)
		if err != nil || pol.Tax != tt.want || !pol.Taxed {
			t.Errorf("%s: tax %v taxed %v (%v), want %v", tt.name, pol.Tax, pol.Taxed, err, tt.want)
		}
	}
	if pol, _ := booking.ResolvePolicy(&acv3.Merchant{}, svc, &acv3.Availability{}, 0); pol.Taxed || pol.Tax.Micros != 0 {
		t.Errorf("no rate anywhere: %+v", pol)
	}
}

// TestPrepaidBookingChargesPriceAndTax: a prepaid slot at a merchant with 8.875 % is
// charged price + tax, answers tax_amount, records the tax part in the ledger, refuses
// a request with another tax, and a cancel refunds the tax with the price.
func TestPrepaidBookingChargesPriceAndTax(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		meta := `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},`
		for _, f := range []struct {
			kind bsv1.FeedKind
			data string
		}{
			{bsv1.FeedKind_FEED_KIND_MERCHANT, meta + `"merchant":[{"merchant_id":"m1","name":"Spa","tax_rate":{"micro_percent":8875000}}]}`},
			{bsv1.FeedKind_FEED_KIND_SERVICE, meta + `"service":[{"merchant_id":"m1","service_id":"prepay","name":"Spa","price":{"price_micros":"200000000","currency_code":"USD"},"prepayment_type":"REQUIRED"}]}`},
			{bsv1.FeedKind_FEED_KIND_AVAILABILITY, meta + `"service_availability":[{"availability":[{"merchant_id":"m1","service_id":"prepay","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3"}]}]}`},
		} {
			if _, err := st.LoadFeed(context.Background(), f.kind, []byte(f.data)); err != nil {
				t.Fatal(err)
			}
		}
		c := &clock{now: time.Unix(paySlot, 0).Add(-72 * time.Hour)}
		core, err := booking.New(booking.Config{Store: st, Now: c.Now, Processor: sandbox.New(sandbox.Options{}), ParseToken: payment.ParseToken})
		if err != nil {
			t.Fatal(err)
		}
		req := payReq("prepay", "", "tok_visa")
		req.PaymentInformation = &acv3.PaymentInformation{TaxAmount: usd(1)}
		if resp, err := core.Create(t.Context(), req); err != nil || resp.GetBookingFailure().GetCause() != acv3.BookingFailure_PAYMENT_ERROR {
			t.Fatalf("another tax: %v %v", resp, err)
		}
		req = payReq("prepay", "", "tok_visa")
		req.IdempotencyToken += "-2"
		req.PaymentInformation = &acv3.PaymentInformation{Price: usd(200_000_000), TaxAmount: usd(17_750_000)}
		resp, err := core.Create(t.Context(), req)
		if err != nil || resp.GetBooking() == nil {
			t.Fatalf("create: %v %v", resp, err)
		}
		pi := resp.GetBooking().GetPaymentInformation()
		if pi.GetTaxAmount().GetPriceMicros() != 17_750_000 || pi.GetPrice().GetPriceMicros() != 200_000_000 {
			t.Errorf("payment_information: %v", pi)
		}
		id := resp.GetBooking().GetBookingId()
		ledger, _ := core.Ledger(t.Context(), id)
		if len(ledger) != 1 || ledger[0].GetAmountMicros() != 217_750_000 || ledger[0].GetTaxMicros() != 17_750_000 {
			t.Fatalf("charge: %v", ledger)
		}
		rec, err := core.MerchantCancel(t.Context(), id, "c1")
		if err != nil || rec.GetPayment().GetRefundedMicros() != 217_750_000 {
			t.Fatalf("cancel refunds price and tax: %v %v", rec.GetPayment(), err)
		}
		if st, _ := core.Status(t.Context(), id); st.GetPrepaymentStatus() != acv3.PrepaymentStatus_PREPAYMENT_REFUNDED {
			t.Errorf("status after cancel: %v", st)
		}
	})
}
