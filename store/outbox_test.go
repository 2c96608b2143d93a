package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// enqueue writes one notification for bookingID in its own transaction.
func enqueue(t *testing.T, s store.Backend, bookingID string, status acv3.BookingStatus) {
	t.Helper()
	err := s.Update(t.Context(), func(tx booking.Tx) error {
		return tx.Enqueue(&bsv1.Notification{BookingId: bookingID, Status: status, UpdateMask: []string{booking.MaskStatus}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// dueIDs returns the booking ids and statuses of the records due at now.
func dueIDs(t *testing.T, o store.Queue, now time.Time) []string {
	t.Helper()
	recs, err := o.Due(t.Context(), now, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.GetNotification().GetBookingId()+":"+r.GetNotification().GetStatus().String())
	}
	return out
}

// rereadable gives Due of a store shared by replicas a zero lease, so that it hands
// out the same records again at once, as Due of the single-process store does: these
// tests read what is due several times. TestPostgresOutboxLeases tests the leases.
func rereadable(s store.Backend) {
	if p, ok := s.(*store.Postgres); ok {
		p.SetOutboxLease(0)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOutboxOrderPerBooking(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		o := s.Outbox()
		enqueue(t, s, "b1", acv3.BookingStatus_CANCELED)
		enqueue(t, s, "b2", acv3.BookingStatus_NO_SHOW)
		enqueue(t, s, "b1", acv3.BookingStatus_NO_SHOW_PENALIZED)
		now := time.Now()

		if got, want := dueIDs(t, o, now), []string{"b1:CANCELED", "b2:NO_SHOW"}; !equal(got, want) {
			t.Fatalf("due = %v, want %v (b1's second record waits for its first)", got, want)
		}
		recs, _ := o.Due(t.Context(), now, 100)
		// b1's first record fails and is scheduled later: b1's second must still wait.
		if err := o.Failed(t.Context(), recs[0].GetId(), &bsv1.Attempt{Attempt: 1, Error: "503"}, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, want := dueIDs(t, o, now), []string{"b2:NO_SHOW"}; !equal(got, want) {
			t.Fatalf("after failure due = %v, want %v", got, want)
		}
		if got, want := dueIDs(t, o, now.Add(2*time.Minute)), []string{"b1:CANCELED", "b2:NO_SHOW"}; !equal(got, want) {
			t.Fatalf("after backoff due = %v, want %v", got, want)
		}
		if err := o.Delivered(t.Context(), recs[0].GetId()); err != nil {
			t.Fatal(err)
		}
		if got, want := dueIDs(t, o, now), []string{"b2:NO_SHOW", "b1:NO_SHOW_PENALIZED"}; !equal(got, want) {
			t.Fatalf("after delivery due = %v, want %v", got, want)
		}
	})
}

func TestOutboxDeadAndRetry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		o := s.Outbox()
		enqueue(t, s, "b1", acv3.BookingStatus_CANCELED)
		recs, _ := o.Due(t.Context(), time.Now(), 10)
		id := recs[0].GetId()
		if err := o.Failed(t.Context(), id, &bsv1.Attempt{Attempt: 1, Error: "HTTP 503"}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := o.Dead(t.Context(), id, &bsv1.Attempt{Attempt: 2, Error: "HTTP 400", HttpStatus: 400}); err != nil {
			t.Fatal(err)
		}
		if got := dueIDs(t, o, time.Now().Add(time.Hour)); len(got) != 0 {
			t.Fatalf("dead record is due: %v", got)
		}
		dead, _ := o.ListDead(t.Context())
		if len(dead) != 1 || dead[0].GetState() != bsv1.OutboxState_OUTBOX_STATE_DEAD || len(dead[0].GetAttempts()) != 2 || dead[0].GetFailures() != 2 {
			t.Fatalf("dead = %v, want one DEAD record with both attempts", dead)
		}
		if p, d, _ := o.Counts(t.Context()); p != 0 || d != 1 {
			t.Fatalf("counts = %d pending, %d dead, want 0, 1", p, d)
		}
		if _, err := o.Retry(t.Context(), id+1); !errors.Is(err, booking.ErrNotFound) {
			t.Fatalf("retry unknown id: %v, want ErrNotFound", err)
		}
		select { // drop the enqueue's wake-up
		case <-o.Wake():
		default:
		}
		if rec, err := o.Retry(t.Context(), id); err != nil || rec.GetId() != id || rec.GetState() != bsv1.OutboxState_OUTBOX_STATE_PENDING {
			t.Fatalf("retry = %v, %v; want record %d PENDING", rec, err, id)
		}
		pending, _ := o.ListPending(t.Context())
		if len(pending) != 1 || pending[0].GetId() != id || pending[0].GetFailures() != 0 || len(pending[0].GetAttempts()) != 2 {
			t.Fatalf("after retry pending = %v, want the record, same id, history kept, fresh budget", pending)
		}
		select {
		case <-o.Wake():
		default:
			t.Fatal("retry did not wake the notifier")
		}
		if n, err := o.RetryAllDead(t.Context()); err != nil || n != 0 {
			t.Fatalf("RetryAllDead = %d, %v; want 0", n, err)
		}
	})
}

func TestOutboxEnqueueRollsBackWithItsTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		boom := errors.New("boom")
		err := s.Update(t.Context(), func(tx booking.Tx) error {
			if err := tx.Enqueue(&bsv1.Notification{BookingId: "b1", UpdateMask: []string{"status"}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if p, _, _ := s.Outbox().Counts(t.Context()); p != 0 {
			t.Fatalf("%d records survived a rolled-back transaction", p)
		}
		err = s.Update(t.Context(), func(tx booking.Tx) error { return tx.Enqueue(&bsv1.Notification{BookingId: "b1"}) })
		if !errors.Is(err, booking.ErrInvalid) {
			t.Fatalf("empty update mask: %v, want ErrInvalid", err)
		}
	})
}

// TestOutboxSurvivesRestart: records pending at a crash, including one whose
// delivery was in flight (taken by Due, never marked), are due after reopening.
func TestOutboxSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data.db")
	s, err := store.Open(store.DefaultConfig(path))
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "b1", acv3.BookingStatus_CANCELED)
	enqueue(t, s, "b2", acv3.BookingStatus_NO_SHOW_PENALIZED)
	if got := dueIDs(t, s.Outbox(), time.Now()); len(got) != 2 { // b1 "in flight"
		t.Fatalf("due = %v", got)
	}
	if err := s.Close(); err != nil { // the process dies mid-delivery
		t.Fatal(err)
	}
	s, err = store.Open(store.DefaultConfig(path))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := dueIDs(t, s.Outbox(), time.Now()), []string{"b1:CANCELED", "b2:NO_SHOW_PENALIZED"}; !equal(got, want) {
		t.Fatalf("after restart due = %v, want %v", got, want)
	}
}

// TestOutboxRetriedRecordCarriesCurrentState reproduces a stale view at Google: a
// notification went dead, a later update of the same booking was delivered, then an
// operator retried the dead one. It must carry the booking as it is now, not the
// snapshot of when it was enqueued.
func TestOutboxRetriedRecordCarriesCurrentState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		o := s.Outbox()
		rec := &bsv1.BookingRecord{
			Channel: bsv1.Channel_CHANNEL_ACTIONS_CENTER,
			Booking: &acv3.Booking{BookingId: "b1", Status: acv3.BookingStatus_CONFIRMED, Slot: &acv3.Slot{
				MerchantId: "m", ServiceId: "s", StartSec: 1000, DurationSec: 60, Resources: &acv3.ResourceIds{PartySize: 2},
			}},
		}
		change := func(mutate func(*bsv1.BookingRecord), mask string) {
			t.Helper()
			mutate(rec)
			if err := s.Update(t.Context(), func(tx booking.Tx) error {
				if err := tx.PutBooking(rec); err != nil {
					return err
				}
				return booking.NotifyGoogle(tx, rec, mask)
			}); err != nil {
				t.Fatal(err)
			}
		}
		change(func(r *bsv1.BookingRecord) { r.Booking.Slot.Resources.PartySize = 3 }, booking.MaskPartySize)
		first, _ := o.Due(t.Context(), time.Now(), 10)
		if err := o.Dead(t.Context(), first[0].GetId(), &bsv1.Attempt{Attempt: 1, Error: "HTTP 400", HttpStatus: 400}); err != nil {
			t.Fatal(err)
		}
		change(func(r *bsv1.BookingRecord) {
			r.Booking.Slot.Resources.PartySize = 4
			r.Booking.Status = acv3.BookingStatus_CANCELED
		}, booking.MaskStatus)
		second, _ := o.Due(t.Context(), time.Now(), 10)
		if err := o.Delivered(t.Context(), second[0].GetId()); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Retry(t.Context(), first[0].GetId()); err != nil {
			t.Fatal(err)
		}
		due, err := o.Due(t.Context(), time.Now(), 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due = %v, %v", due, err)
		}
		n := due[0].GetNotification()
		if n.GetPartySize() != 4 || n.GetStatus() != acv3.BookingStatus_CANCELED {
			t.Fatalf("retried notification = party %d, %v; want the current 4, CANCELED", n.GetPartySize(), n.GetStatus())
		}
		if got := n.GetUpdateMask(); len(got) != 1 || got[0] != booking.MaskPartySize {
			t.Fatalf("update mask = %v, want its own [%s]", got, booking.MaskPartySize)
		}
	})
}

// TestOutboxSendsCurrentState (item 10): a notification is built from its booking as
// it is when it is sent, not when it was enqueued. Two updates of one booking (party
// 3, then party 4) wait in order; the first, sent (or retried) after the second was
// written, already says 4: Google never sees 3 after 4.
func TestOutboxSendsCurrentState(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Backend) {
		rereadable(s)
		o := s.Outbox()
		rec := &bsv1.BookingRecord{
			Channel: bsv1.Channel_CHANNEL_ACTIONS_CENTER,
			Booking: &acv3.Booking{BookingId: "b1", Status: acv3.BookingStatus_CONFIRMED, Slot: &acv3.Slot{
				MerchantId: "m", ServiceId: "s", StartSec: 1000, DurationSec: 60, Resources: &acv3.ResourceIds{PartySize: 2},
			}},
		}
		for _, party := range []int32{3, 4} {
			rec.Booking.Slot.Resources.PartySize = party
			if err := s.Update(t.Context(), func(tx booking.Tx) error {
				if err := tx.PutBooking(rec); err != nil {
					return err
				}
				return booking.NotifyGoogle(tx, rec, booking.MaskPartySize)
			}); err != nil {
				t.Fatal(err)
			}
		}
		var sent []int32
		for range 2 {
			due, err := o.Due(t.Context(), time.Now(), 10)
			if err != nil || len(due) != 1 {
				t.Fatalf("due = %v, %v; want one record (per-booking order)", due, err)
			}
			sent = append(sent, due[0].GetNotification().GetPartySize())
			if err := o.Delivered(t.Context(), due[0].GetId()); err != nil {
				t.Fatal(err)
			}
		}
		if sent[0] != 4 || sent[1] != 4 {
			t.Fatalf("Google was sent party sizes %v, want [4 4]: each send carries the booking as it is", sent)
		}
	})
}
