package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// resolvePending runs one round of the periodic recovery of pending refunds (what
// RecoverPeriodically does every interval) and returns how many bookings still wait.
func (b *gwBundle) resolvePending(t *testing.T) int {
	t.Helper()
	left, err := b.core.ResolvePendingRefunds(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// pendingRefunds is how many refunds of bid are pending.
func (b *gwBundle) pendingRefunds(t *testing.T, bid string) int {
	t.Helper()
	p, _ := field(b.get(t, bid), "record", "payment", "pending_refunds").([]any)
	return len(p)
}

// TestImojeLostRefundResolvedByLookup (item 2): a refund whose answer was lost is
// resolved by asking imoje (its transaction lookup), never by refunding again. Made at
// imoje: the recovery finds it and records it under imoje's refund id, and the
// merchant's retry refunds nothing more. Never made (the call was cut first): it stays
// pending while it might still show, then is dropped, and the retry refunds once.
func TestImojeLostRefundResolvedByLookup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		made bool
	}{{"made, answer lost", true}, {"never made", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
				bid := b.paidImoje(t, storetest.SlotFiveSpots)
				b.fake.mu.Lock()
				if tc.made {
					b.fake.dropRefunds = 1
				} else {
					b.fake.cutRefunds = 1
				}
				b.fake.mu.Unlock()
				if code := b.refund(t, bid, "rf1", 5e6, "USD"); code != http.StatusServiceUnavailable {
					t.Fatalf("refund with a lost answer: %d, want 503", code)
				}
				if b.pendingRefunds(t, bid) != 1 {
					t.Fatal("the refund with a lost answer is not pending")
				}
				if !tc.made {
					if left := b.resolvePending(t); left != 1 || b.pendingRefunds(t, bid) != 1 {
						t.Fatalf("not at imoje yet: %d bookings left, want the refund still pending", left)
					}
					b.clock.Advance(booking.RefundLookupGraceSec * time.Second)
				}
				if left := b.resolvePending(t); left != 0 || b.pendingRefunds(t, bid) != 0 {
					t.Fatalf("after asking imoje: %d bookings left, %d pending", left, b.pendingRefunds(t, bid))
				}
				if _, n := b.fake.gatewayRefunded(); n != map[bool]int{true: 1, false: 0}[tc.made] {
					t.Fatalf("%d refunds at imoje after the recovery", n)
				}
				if code := b.refund(t, bid, "rf1", 5e6, "USD"); code != 200 {
					t.Fatalf("merchant's retry: %d", code)
				}
				b.checkAgrees(t, bid, 500)
				if _, n := b.fake.gatewayRefunded(); n != 1 {
					t.Fatalf("%d refunds at imoje, want 1", n)
				}
			})
		})
	}
}

// TestWorldlineStaleRefundResolvedByLookup (item 2): a Worldline refund whose answer
// was lost and that is still pending after its idempotence key can no longer be
// trusted is resolved by listing the payment's refunds at Worldline, not by sending it
// again: recorded once under Worldline's refund id.
func TestWorldlineStaleRefundResolvedByLookup(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := b.paidWorldline(t)
		b.fake.mu.Lock()
		b.fake.dropRefunds = 1
		b.fake.mu.Unlock()
		if code := b.refund(t, bid, "rf1", 10e6, "EUR"); code != http.StatusServiceUnavailable {
			t.Fatalf("refund with a lost answer: %d, want 503", code)
		}
		b.clock.Advance(booking.IdempotencyKeyTrustSec*time.Second + time.Hour)
		if left := b.resolvePending(t); left != 0 || b.pendingRefunds(t, bid) != 0 {
			t.Fatalf("after asking Worldline: %d bookings left, %d pending", left, b.pendingRefunds(t, bid))
		}
		b.checkAgrees(t, bid, 1000)
		if _, n := b.fake.gatewayRefunded(); n != 1 {
			t.Fatalf("%d refunds at Worldline, want 1", n)
		}
	})
}
