package notifier_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/notifier"
	"github.com/bookingserver/bookingserver/notifier/notifiertest"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// bundle is one notifier over real HTTP: a store, a fake Maps Booking API and a
// local token endpoint.
type bundle struct {
	st     store.Backend
	api    *notifiertest.FakeAPI
	tokens *notifiertest.TokenServer
	clock  *clock
	n      *notifier.Notifier
	stop   func()
}

// eachStore runs fn, as a parallel subtest, with a notifier over each store: bbolt,
// and Postgres when a database is given (storetest.Each).
func eachStore(t *testing.T, fn func(t *testing.T, b *bundle)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st store.Backend) { fn(t, setupOn(t, st)) })
}

// setupOn starts a notifier over st's outbox; it runs until the test ends.
func setupOn(t *testing.T, st store.Backend) *bundle {
	t.Helper()
	b := &bundle{st: st, api: notifiertest.NewFakeAPI(t), tokens: notifiertest.NewTokenServer(t), clock: &clock{t: time.Now()}}
	client, err := notifier.NewHTTPClient(t.Context(), notifiertest.ServiceAccountJSON(t, b.tokens.URL))
	if err != nil {
		t.Fatal(err)
	}
	b.n, err = notifier.New(notifier.Config{
		Outbox: st.Outbox(), Client: client, PartnerID: "partner-7", BaseURL: b.api.URL,
		Now: b.clock.Now, PollInterval: 5 * time.Millisecond, MaxAttempts: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.stop = b.n.Start(t.Context())
	t.Cleanup(b.stop)
	return b
}

// bookingRecord is a confirmed Actions Center booking of 2030-01-01T10:00Z, 1 h.
func bookingRecord(id string) *bsv1.BookingRecord {
	return &bsv1.BookingRecord{
		Channel: bsv1.Channel_CHANNEL_ACTIONS_CENTER,
		Booking: &acv3.Booking{
			BookingId: id,
			Slot: &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: 1893492000, DurationSec: 3600,
				Resources: &acv3.ResourceIds{PartySize: 2}},
			Status: acv3.BookingStatus_CONFIRMED,
			PaymentInformation: &acv3.PaymentInformation{
				PrepaymentStatus: acv3.PrepaymentStatus_PREPAYMENT_PROVIDED, PaymentTransactionId: "txn-42"},
		},
	}
}

// change applies edit to the booking and enqueues its notification in one
// transaction, as a merchant action does.
func (b *bundle) change(t *testing.T, rec *bsv1.BookingRecord, edit func(*acv3.Booking), mask ...string) {
	t.Helper()
	err := b.st.Update(t.Context(), func(tx booking.Tx) error {
		edit(rec.Booking)
		if err := tx.PutBooking(rec); err != nil {
			return err
		}
		return booking.NotifyGoogle(tx, rec, mask...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func noShowPenalized(b *acv3.Booking) { b.Status = acv3.BookingStatus_NO_SHOW_PENALIZED }

func canceledRefunded(b *acv3.Booking) {
	b.Status = acv3.BookingStatus_CANCELED
	b.PaymentInformation.PrepaymentStatus = acv3.PrepaymentStatus_PREPAYMENT_REFUNDED
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (b *bundle) counts(t *testing.T) (pending, dead int) {
	t.Helper()
	p, d, err := b.st.Outbox().Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return p, d
}

func (b *bundle) empty(t *testing.T) bool {
	p, d := b.counts(t)
	return p == 0 && d == 0
}

func TestNoShowPenalizedPatch(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		b.change(t, bookingRecord("bk-1"), noShowPenalized, booking.MaskStatus)
		got := b.api.Next(t)
		want := notifiertest.Request{
			Method: "PATCH", Path: "/v1alpha/notification/partners/partner-7/bookings/bk-1",
			UpdateMask: "status", Auth: "Bearer tok-1",
			Body: map[string]any{
				"name": "partners/partner-7/bookings/bk-1", "merchantId": "m1", "serviceId": "haircut",
				"startTime": "2030-01-01T10:00:00Z", "duration": "3600s", "partySize": float64(2),
				"status":             "NO_SHOW_PENALIZED",
				"paymentInformation": map[string]any{"prepaymentStatus": "PREPAYMENT_PROVIDED", "paymentTransactionId": "txn-42"},
			},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("PATCH\n got %+v\nwant %+v", got, want)
		}
		waitFor(t, "the record to be deleted", func() bool { return b.empty(t) })
		b.api.None(t, 50*time.Millisecond)
		if s := b.n.Stats(); s.Delivered != 1 || s.Retried != 0 || s.DeadLettered != 0 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestCancelWithRefundPatch(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		b.change(t, bookingRecord("bk-2"), canceledRefunded, booking.MaskStatus, booking.MaskPrepaymentStatus)
		got := b.api.Next(t)
		if got.UpdateMask != "status,paymentInformation.prepaymentStatus" || got.Body["status"] != "CANCELED" {
			t.Fatalf("PATCH %+v", got)
		}
		if pi := got.Body["paymentInformation"].(map[string]any); pi["prepaymentStatus"] != "PREPAYMENT_REFUNDED" || pi["paymentTransactionId"] != "txn-42" {
			t.Fatalf("paymentInformation %v", pi)
		}
	})
}

func TestMerchantChannelBookingIsNotNotified(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		rec := bookingRecord("walk-in")
		rec.Channel = bsv1.Channel_CHANNEL_MERCHANT
		b.change(t, rec, noShowPenalized, booking.MaskStatus)
		if p, _ := b.counts(t); p != 0 {
			t.Fatalf("%d records for a booking Google does not know", p)
		}
	})
}

// TestRetriesInOrderAfterBackoff: 503 three times, then 200: the first update (party
// size) is delivered once, after backoff, and the booking's later update (status) only
// after it. Every attempt carries the booking as it is when sent: the retried first
// update already shows the later status, never the older one.
func TestRetriesInOrderAfterBackoff(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		b.api.SetStatus(func(n int) int {
			if n < 3 {
				return 503
			}
			return 200
		})
		rec := bookingRecord("bk-3")
		b.change(t, rec, func(bk *acv3.Booking) { bk.Slot.Resources.PartySize = 3 }, booking.MaskPartySize)
		b.change(t, rec, noShowPenalized, booking.MaskStatus)
		for i := 1; i <= 3; i++ {
			// The first attempt may go before the second change is written; every later
			// one goes after it.
			if r := b.api.Next(t); r.UpdateMask != booking.MaskPartySize || (r.Body["status"] != "NO_SHOW_PENALIZED" && (i > 1 || r.Body["status"] != "CONFIRMED")) {
				t.Fatalf("attempt %d sent %s %v, want the first update (partySize) with the current status", i, r.UpdateMask, r.Body["status"])
			}
			var pending []*bsv1.OutboxRecord
			waitFor(t, "the failure to be recorded", func() bool {
				pending, _ = b.st.Outbox().ListPending(t.Context())
				return len(pending) == 2 && int(pending[0].GetFailures()) == i
			})
			// Backoff 1 s, 2 s, 4 s ±10 %, rounded up to the second.
			delay := time.Unix(pending[0].GetNextAttemptUnix(), 0).Sub(b.clock.Now())
			want := time.Duration(1<<(i-1)) * time.Second
			if delay < want*9/10 || delay > want*11/10+time.Second {
				t.Fatalf("failure %d: next attempt in %v, want about %v", i, delay, want)
			}
			if a := pending[0].GetAttempts()[i-1]; a.GetHttpStatus() != 503 || !strings.Contains(a.GetError(), "fake says 503") || int(a.GetAttempt()) != i {
				t.Fatalf("attempt record %v", a)
			}
			b.api.None(t, 30*time.Millisecond) // neither record is sent before the backoff
			b.clock.Add(want*11/10 + time.Second)
		}
		if r := b.api.Next(t); r.UpdateMask != booking.MaskPartySize || r.Body["status"] != "NO_SHOW_PENALIZED" {
			t.Fatalf("4th request %s %v, want partySize with the current status", r.UpdateMask, r.Body["status"])
		}
		if r := b.api.Next(t); r.UpdateMask != booking.MaskStatus || r.Body["status"] != "NO_SHOW_PENALIZED" {
			t.Fatalf("5th request %s %v, want status NO_SHOW_PENALIZED", r.UpdateMask, r.Body["status"])
		}
		waitFor(t, "an empty outbox", func() bool { return b.empty(t) })
		b.api.None(t, 50*time.Millisecond)
		if s := b.n.Stats(); s.Delivered != 2 || s.Retried != 3 || s.DeadLettered != 0 {
			t.Fatalf("stats %+v", s)
		}
	})
}

// TestBadRequestDeadLetterThenRetry: a 400 dead-letters at once with its error kept;
// once the fault is fixed, Retry redelivers.
func TestBadRequestDeadLetterThenRetry(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		b.api.SetStatus(func(int) int { return 400 })
		b.change(t, bookingRecord("bk-4"), canceledRefunded, booking.MaskStatus, booking.MaskPrepaymentStatus)
		b.api.Next(t)
		var dead []*bsv1.OutboxRecord
		waitFor(t, "a dead letter", func() bool {
			dead, _ = b.st.Outbox().ListDead(t.Context())
			return len(dead) == 1
		})
		if a := dead[0].GetAttempts(); len(a) != 1 || a[0].GetHttpStatus() != 400 || !strings.Contains(a[0].GetError(), "fake says 400") {
			t.Fatalf("dead letter attempts %v", a)
		}
		b.clock.Add(time.Hour)
		b.api.None(t, 50*time.Millisecond) // dead letters are not retried by themselves
		b.api.SetStatus(func(int) int { return 200 })
		if _, err := b.st.Outbox().Retry(t.Context(), dead[0].GetId()); err != nil {
			t.Fatal(err)
		}
		if r := b.api.Next(t); r.Path != "/v1alpha/notification/partners/partner-7/bookings/bk-4" {
			t.Fatalf("redelivery %+v", r)
		}
		waitFor(t, "an empty outbox", func() bool { return b.empty(t) })
		// The delivery is counted just after its record is deleted.
		waitFor(t, "the delivery to be counted", func() bool { return b.n.Stats().Delivered == 1 })
		if s := b.n.Stats(); s.Delivered != 1 || s.DeadLettered != 1 {
			t.Fatalf("stats %+v", s)
		}
	})
}

// TestTokenRefusedIsDeadLetter: the token endpoint refuses the service account
// (4xx invalid_grant): no PATCH is sent, and the record is dead with the token error.
func TestTokenRefusedIsDeadLetter(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		b.tokens.Status.Store(400)
		b.change(t, bookingRecord("bk-5"), noShowPenalized, booking.MaskStatus)
		var dead []*bsv1.OutboxRecord
		waitFor(t, "a dead letter", func() bool {
			dead, _ = b.st.Outbox().ListDead(t.Context())
			return len(dead) == 1
		})
		if e := dead[0].GetAttempts()[0].GetError(); !strings.Contains(e, "invalid_grant") {
			t.Fatalf("dead letter error %q, want the token endpoint's", e)
		}
		b.api.None(t, 20*time.Millisecond)
	})
}

// TestDeliveredAfterRestart: records pending when the process dies are delivered by
// the next process.
func TestDeliveredAfterRestart(t *testing.T) {
	t.Parallel()
	storetest.EachReopenable(t, func(t *testing.T, open storetest.Opener) {
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		rec := bookingRecord("bk-6")
		err = st.Update(t.Context(), func(tx booking.Tx) error {
			canceledRefunded(rec.Booking)
			return booking.NotifyGoogle(tx, rec, booking.MaskStatus)
		})
		if err != nil {
			t.Fatal(err)
		}
		st.Close() // no notifier ran: the process "died"
		api, tokens := notifiertest.NewFakeAPI(t), notifiertest.NewTokenServer(t)
		if st, err = open(); err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		client, _ := notifier.NewHTTPClient(t.Context(), notifiertest.ServiceAccountJSON(t, tokens.URL))
		n, _ := notifier.New(notifier.Config{Outbox: st.Outbox(), Client: client, PartnerID: "partner-7", BaseURL: api.URL})
		stop := n.Start(t.Context())
		defer stop()
		if r := api.Next(t); r.Body["status"] != "CANCELED" {
			t.Fatalf("after restart got %+v", r)
		}
	})
}
