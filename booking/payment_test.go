package booking_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// The payment fixture: one slot per mode of seed 001, all at 2030-01-01T10:00Z.
const paySlot int64 = 1893492000

const payFeeds = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},
 "merchant":[{"merchant_id":"m1","name":"Spa","payment_option":[{"payment_option_id":"saturday","price":{"price_micros":"250000000","currency_code":"USD"}}]}]}`

const payServices = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},
 "service":[
  {"merchant_id":"m1","service_id":"arrival","name":"Haircut","price":{"price_micros":"15000000","currency_code":"USD"}},
  {"merchant_id":"m1","service_id":"prepay","name":"Spa","price":{"price_micros":"200000000","currency_code":"USD"},"prepayment_type":"REQUIRED",
   "rules":{"min_advance_online_canceling":"14400"}},
  {"merchant_id":"m1","service_id":"noshow","name":"Spa","price":{"price_micros":"200000000","currency_code":"USD"},
   "scheduling_rules":{"min_advance_online_canceling":"14400"},"no_show_fee":{"fee":{"price_micros":"25000000","currency_code":"USD"},"fee_type":"FIXED_RATE_DEFAULT"}},
  {"merchant_id":"m1","service_id":"deposit","name":"Spa","price":{"price_micros":"200000000","currency_code":"USD"},
   "rules":{"min_advance_online_canceling":"14400"},
   "deposit":{"deposit":{"price_micros":"25000000","currency_code":"USD"},"min_advance_cancellation_sec":"172800","deposit_type":"FIXED_RATE_DEFAULT"}},
  {"merchant_id":"m1","service_id":"card","name":"Haircut","price":{"price_micros":"15000000","currency_code":"USD"},"require_credit_card":"REQUIRE_CREDIT_CARD_ALWAYS"}]}`

const payAvailability = `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"},
 "service_availability":[{"availability":[
  {"merchant_id":"m1","service_id":"arrival","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3"},
  {"merchant_id":"m1","service_id":"prepay","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3"},
  {"merchant_id":"m1","service_id":"prepay","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3",
   "resources":{"staff_id":"saturday-staff"},"payment_option_id":["saturday"]},
  {"merchant_id":"m1","service_id":"noshow","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3"},
  {"merchant_id":"m1","service_id":"noshow","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3",
   "resources":{"staff_id":"evening"},"no_show_fee":{"fee":{"price_micros":"40000000","currency_code":"USD"}}},
  {"merchant_id":"m1","service_id":"deposit","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3"},
  {"merchant_id":"m1","service_id":"deposit","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3",
   "resources":{"staff_id":"big-deposit"},"deposit":{"deposit":{"price_micros":"50000000","currency_code":"USD"},"min_advance_cancellation_sec":"172800"}},
  {"merchant_id":"m1","service_id":"card","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3"},
  {"merchant_id":"m1","service_id":"arrival","start_sec":"1893492000","duration_sec":"3600","spots_total":"3","spots_open":"3",
   "resources":{"staff_id":"card-slot"},"require_credit_card":"REQUIRE_CREDIT_CARD_ALWAYS"}]}]}`

type payFixture struct {
	*fixture
	proc *sandbox.Processor
}

// eachPaymentStore runs fn, as a parallel subtest, with a payment fixture on each
// store (storetest.Each): what money does is the contract both stores keep.
func eachPaymentStore(t *testing.T, fn func(t *testing.T, f *payFixture)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st store.Backend) { fn(t, setupPaymentsOn(t, st, nil)) })
}

// setupPaymentsOn loads the payment fixture feeds into st and makes a core, its clock
// three days before paySlot, with the sandbox processor wrapped by wrap (nil: as it
// is) to stand in for a network between us and the processor.
func setupPaymentsOn(t *testing.T, st store.Backend, wrap func(booking.Processor) booking.Processor) *payFixture {
	t.Helper()
	for _, f := range []struct {
		kind bsv1.FeedKind
		data string
	}{{bsv1.FeedKind_FEED_KIND_MERCHANT, payFeeds}, {bsv1.FeedKind_FEED_KIND_SERVICE, payServices}, {bsv1.FeedKind_FEED_KIND_AVAILABILITY, payAvailability}} {
		if _, err := st.LoadFeed(context.Background(), f.kind, []byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	c := &clock{now: time.Unix(paySlot, 0).Add(-72 * time.Hour)}
	proc := sandbox.New(sandbox.Options{})
	var p booking.Processor = proc
	if wrap != nil {
		p = wrap(proc)
	}
	core, err := booking.New(booking.Config{Store: st, Now: c.Now, Processor: p, ParseToken: payment.ParseToken})
	if err != nil {
		t.Fatal(err)
	}
	f := &payFixture{fixture: &fixture{core: core, store: st, clock: c}, proc: proc}
	t.Cleanup(func() { checkMoney(t, f) })
	return f
}

// checkMoney verifies the money invariants over every booking: refunded ≤ captured,
// the record's totals equal its ledger's, and the store's slot counts hold.
func checkMoney(t *testing.T, f *payFixture) {
	t.Helper()
	if fixed, err := f.store.Reconcile(time.Time{}); err != nil || fixed != 0 {
		t.Errorf("slot invariant: %d fixed (%v)", fixed, err)
	}
	err := f.store.View(context.Background(), func(tx booking.ReadTx) error {
		return tx.BookingsByUser("u1", func(r *bsv1.BookingRecord) bool {
			var captured, refunded int64
			_ = tx.Ledger(r.GetBooking().GetBookingId(), func(e *bsv1.LedgerEntry) bool {
				switch e.GetKind() {
				case bsv1.LedgerEntry_KIND_CHARGE, bsv1.LedgerEntry_KIND_FEE:
					captured += e.GetAmountMicros()
				case bsv1.LedgerEntry_KIND_REFUND:
					refunded += e.GetAmountMicros()
				}
				return true
			})
			p := r.GetPayment()
			if captured != p.GetCapturedMicros() || refunded != p.GetRefundedMicros() || refunded > captured {
				t.Errorf("booking %s: ledger captured %d refunded %d, record %d/%d", r.GetBooking().GetBookingId(), captured, refunded, p.GetCapturedMicros(), p.GetRefundedMicros())
			}
			return true
		})
	})
	if err != nil {
		t.Error(err)
	}
}

func payReq(service, staff, token string) *acv3.CreateBookingRequest {
	req := &acv3.CreateBookingRequest{
		Slot:             &acv3.Slot{MerchantId: "m1", ServiceId: service, StartSec: paySlot, DurationSec: 3600},
		UserInformation:  &acv3.UserInformation{UserId: "u1", Email: "u1@example.com"},
		IdempotencyToken: fmt.Sprintf("%s-%s-%s", service, staff, token),
	}
	if staff != "" {
		req.Slot.Resources = &acv3.ResourceIds{StaffId: staff}
	}
	if token != "" {
		req.PaymentProcessingParameters = &acv3.PaymentProcessingParameters{PaymentProcessor: "stripe",
			UnparsedPaymentMethodToken: `{"id":"` + token + `","object":"token"}`}
	}
	return req
}

// TestPaymentModes walks every payment mode and override of seed 001 through
// CreateBooking and then an after-life (user cancel early or late, no-show, merchant
// cancel, refunds), checking status, payment_information and the ledger.
func TestPaymentModes(t *testing.T) {
	t.Parallel()
	type after func(t *testing.T, f *payFixture, id string) *bsv1.BookingRecord
	userCancel := func(hoursBefore int64) after {
		return func(t *testing.T, f *payFixture, id string) *bsv1.BookingRecord {
			f.clock.Set(time.Unix(paySlot-hoursBefore*3600, 0))
			cancel(t, f.fixture, id)
			rec, _ := f.core.Get(context.Background(), id)
			return rec
		}
	}
	noShow := func(t *testing.T, f *payFixture, id string) *bsv1.BookingRecord {
		f.clock.Set(time.Unix(paySlot+600, 0))
		rec, err := f.core.MarkNoShow(context.Background(), id, "ns-1")
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	merchantCancel := func(t *testing.T, f *payFixture, id string) *bsv1.BookingRecord {
		rec, err := f.core.MerchantCancel(context.Background(), id, "mc-1")
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	tests := []struct {
		name, service, staff, token string
		wantPrice                   int64
		wantPrepayment              acv3.PrepaymentStatus
		wantCaptured                int64
		after                       after
		wantStatus                  acv3.BookingStatus
		wantAfterPrepayment         acv3.PrepaymentStatus
		wantRefunded                int64
	}{
		{name: "pay on arrival", service: "arrival", wantPrice: 15_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED,
			after: userCancel(24), wantStatus: acv3.BookingStatus_CANCELED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED},
		{name: "prepayment, early cancel refunds", service: "prepay", token: "tok_visa", wantPrice: 200_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED, wantCaptured: 200_000_000,
			after: userCancel(24), wantStatus: acv3.BookingStatus_CANCELED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_REFUNDED, wantRefunded: 200_000_000},
		{name: "prepayment, late cancel refused", service: "prepay", token: "tok_visa", wantPrice: 200_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED, wantCaptured: 200_000_000,
			after: userCancel(1), wantStatus: acv3.BookingStatus_CONFIRMED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED},
		{name: "prepayment, payment option override, merchant cancel", service: "prepay", staff: "saturday-staff", token: "tok_visa", wantPrice: 250_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED, wantCaptured: 250_000_000,
			after: merchantCancel, wantStatus: acv3.BookingStatus_CANCELED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_REFUNDED, wantRefunded: 250_000_000},
		{name: "no-show fee charged on no-show", service: "noshow", token: "tok_visa", wantPrice: 200_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED,
			after: noShow, wantStatus: acv3.BookingStatus_NO_SHOW_PENALIZED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED},
		{name: "no-show fee override", service: "noshow", staff: "evening", token: "tok_visa", wantPrice: 200_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED,
			after: noShow, wantStatus: acv3.BookingStatus_NO_SHOW_PENALIZED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED},
		{name: "deposit refunded inside its window", service: "deposit", token: "tok_visa", wantPrice: 200_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED, wantCaptured: 25_000_000,
			after: userCancel(60), wantStatus: acv3.BookingStatus_CANCELED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_REFUNDED, wantRefunded: 25_000_000},
		{name: "deposit kept after its window", service: "deposit", token: "tok_visa", wantPrice: 200_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED, wantCaptured: 25_000_000,
			after: userCancel(24), wantStatus: acv3.BookingStatus_CANCELED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED},
		{name: "deposit override", service: "deposit", staff: "big-deposit", token: "tok_visa", wantPrice: 200_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED, wantCaptured: 50_000_000,
			after: merchantCancel, wantStatus: acv3.BookingStatus_CANCELED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_REFUNDED, wantRefunded: 50_000_000},
		{name: "credit card required: saved, never charged", service: "card", token: "tok_visa", wantPrice: 15_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED,
			after: noShow, wantStatus: acv3.BookingStatus_NO_SHOW, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED},
		{name: "credit card required by slot override", service: "arrival", staff: "card-slot", token: "tok_mastercard", wantPrice: 15_000_000, wantPrepayment: acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED,
			after: merchantCancel, wantStatus: acv3.BookingStatus_CANCELED, wantAfterPrepayment: acv3.PrepaymentStatus_PREPAYMENT_NOT_PROVIDED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eachPaymentStore(t, func(t *testing.T, f *payFixture) {
				resp, err := f.core.Create(context.Background(), payReq(tt.service, tt.staff, tt.token))
				if err != nil || resp.GetBookingFailure() != nil {
					t.Fatalf("create: %v %v", resp, err)
				}
				b := resp.GetBooking()
				pi := b.GetPaymentInformation()
				if b.GetStatus() != acv3.BookingStatus_CONFIRMED || pi.GetPrice().GetPriceMicros() != tt.wantPrice || pi.GetPrice().GetCurrencyCode() != "USD" || pi.GetPrepaymentStatus() != tt.wantPrepayment {
					t.Fatalf("booking: %v", b)
				}
				if tt.wantPrepayment == acv3.PrepaymentStatus_PREPAYMENT_PROVIDED && (pi.GetPaymentTransactionId() == "" || pi.GetPaymentProcessedBy() != acv3.PaymentProcessedBy_PROCESSED_BY_PARTNER) {
					t.Errorf("payment_information lacks the transaction or processed_by: %v", pi)
				}
				if tt.service == "noshow" && pi.GetNoShowFee() == nil || tt.service == "deposit" && pi.GetDeposit() == nil {
					t.Errorf("payment_information lacks the fee/deposit: %v", pi)
				}
				rec := tt.after(t, f, b.GetBookingId())
				if rec.GetBooking().GetStatus() != tt.wantStatus || rec.GetBooking().GetPaymentInformation().GetPrepaymentStatus() != tt.wantAfterPrepayment {
					t.Errorf("after: status %v prepayment %v", rec.GetBooking().GetStatus(), rec.GetBooking().GetPaymentInformation().GetPrepaymentStatus())
				}
				wantCaptured := tt.wantCaptured
				if tt.wantStatus == acv3.BookingStatus_NO_SHOW_PENALIZED {
					wantCaptured += map[string]int64{"": 25_000_000, "evening": 40_000_000}[tt.staff]
				}
				if p := rec.GetPayment(); p.GetCapturedMicros() != wantCaptured || p.GetRefundedMicros() != tt.wantRefunded {
					t.Errorf("captured %d refunded %d, want %d/%d", p.GetCapturedMicros(), p.GetRefundedMicros(), wantCaptured, tt.wantRefunded)
				}
				if p := rec.GetPayment(); tt.token != "" && (p.GetToken() != "" || p.GetState() != bsv1.PaymentState_PAYMENT_STATE_SETTLED) {
					t.Errorf("token kept after settling or not settled: %v", p)
				}
			})
		})
	}
}

// TestDeclineLeavesNothing: a declined card answers the payment cause, leaves no
// booking and no held spot, and the same token can then succeed with another card
// (Google's retry after a failure is a new attempt).
func TestDeclineLeavesNothing(t *testing.T) {
	t.Parallel()
	eachPaymentStore(t, func(t *testing.T, f *payFixture) {
		for _, tok := range []string{"tok_chargeDeclined", "tok_chargeDeclinedInsufficientFunds"} {
			resp, err := f.core.Create(context.Background(), payReq("prepay", "", tok))
			if err != nil || resp.GetBookingFailure().GetCause() != acv3.BookingFailure_PAYMENT_ERROR_CARD_DECLINED || resp.GetBooking() != nil {
				t.Fatalf("%s: %v %v", tok, resp, err)
			}
		}
		list, _ := f.core.List(context.Background(), "u1")
		if len(list.GetBookings()) != 0 {
			t.Errorf("declines left bookings: %v", list)
		}
		avail, _ := f.core.CheckAvailability(context.Background(), &acv3.CheckAvailabilityRequest{Slot: payReq("prepay", "", "").GetSlot()})
		if avail.GetCountAvailable() != 3 {
			t.Errorf("declines held spots: %d open", avail.GetCountAvailable())
		}
		// Missing token and a price that differs from the feed's are refused too.
		if resp, _ := f.core.Create(context.Background(), payReq("prepay", "", "")); resp.GetBookingFailure().GetCause() != acv3.BookingFailure_PAYMENT_ERROR {
			t.Errorf("no token: %v", resp)
		}
		wrong := payReq("prepay", "", "tok_visa")
		wrong.PaymentInformation = &acv3.PaymentInformation{Price: &acv3.Price{PriceMicros: 199_000_000, CurrencyCode: "USD"}}
		if resp, _ := f.core.Create(context.Background(), wrong); resp.GetBookingFailure().GetCause() != acv3.BookingFailure_PAYMENT_ERROR {
			t.Errorf("price mismatch: %v", resp)
		}
	})
}

// TestRefundsNeverExceedCapture: partial refunds add up; concurrent refunds on one
// booking never exceed what was captured; a repeated request id is applied once.
func TestRefundsNeverExceedCapture(t *testing.T) {
	t.Parallel()
	eachPaymentStore(t, func(t *testing.T, f *payFixture) {
		id := func() string {
			resp, err := f.core.Create(context.Background(), payReq("prepay", "", "tok_visa"))
			if err != nil || resp.GetBooking() == nil {
				t.Fatalf("create: %v %v", resp, err)
			}
			return resp.GetBooking().GetBookingId()
		}()
		usd := func(m int64) booking.Money { return booking.Money{Micros: m, Currency: "USD"} }
		if _, err := f.core.Refund(context.Background(), id, "r1", usd(50_000_000), "goodwill"); err != nil {
			t.Fatal(err)
		}
		if rec, err := f.core.Refund(context.Background(), id, "r1", usd(50_000_000), "goodwill"); err != nil || rec.GetPayment().GetRefundedMicros() != 50_000_000 {
			t.Fatalf("repeated request id: %v %v", rec.GetPayment(), err)
		}
		if _, err := f.core.Refund(context.Background(), id, "r-eur", booking.Money{Micros: 1, Currency: "EUR"}, ""); !errors.Is(err, booking.ErrInvalid) {
			t.Errorf("wrong currency: %v", err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.core.Refund(context.Background(), id, fmt.Sprintf("c%d", i), usd(40_000_000), "race"); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if !errors.Is(err, booking.ErrConflict) {
					t.Errorf("refund: %v", err)
				}
			}()
		}
		wg.Wait()
		rec, _ := f.core.Get(context.Background(), id)
		if ok != 3 || rec.GetPayment().GetRefundedMicros() != 170_000_000 {
			t.Errorf("%d concurrent refunds succeeded, refunded %d; want 3 and 170000000", ok, rec.GetPayment().GetRefundedMicros())
		}
		if _, err := f.core.Refund(context.Background(), id, "last", usd(30_000_000), "rest"); err != nil {
			t.Fatal(err)
		}
		rec, _ = f.core.Get(context.Background(), id)
		if rec.GetBooking().GetPaymentInformation().GetPrepaymentStatus() != acv3.PrepaymentStatus_PREPAYMENT_REFUNDED {
			t.Errorf("fully refunded booking reports %v", rec.GetBooking().GetPaymentInformation().GetPrepaymentStatus())
		}
	})
}
