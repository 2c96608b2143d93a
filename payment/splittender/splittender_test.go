package splittender_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/payment/splittender"
)

func eur(cents int64) booking.Money { return booking.Money{Micros: cents * 10_000, Currency: "EUR"} }

func eurs(cents ...int64) []booking.Money {
	var out []booking.Money
	for _, c := range cents {
		out = append(out, eur(c))
	}
	return out
}

func TestPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		total booking.Money
		gift  []booking.Money
		legs  []int64 // captured cents, payment order
		ok    bool
	}{
		{"three cards plus card", eur(61000), eurs(25000, 25000, 5000), []int64{25000, 25000, 5000, 6000}, true},
		{"one card covers all", eur(1700), eurs(1700), []int64{1700}, true},
		{"card with small balance", eur(3000), eurs(700), []int64{700, 2300}, true},
		{"card at 250 exactly", eur(30000), eurs(25000), []int64{25000, 5000}, true},
		{"four gift cards", eur(10000), eurs(1000, 1000, 1000, 1000), nil, false},
		{"gift card above 250", eur(30000), eurs(25001), nil, false},
		{"gift cards exceed total", eur(1000), eurs(2000), nil, false},
		{"zero gift card", eur(1000), eurs(0), nil, false},
		{"negative gift card", eur(1000), eurs(-100), nil, false},
		{"no gift card", eur(1000), nil, nil, false},
		{"PLN total", booking.Money{Micros: 10_000_000, Currency: "PLN"}, eurs(500), nil, false},
		{"PLN gift card", eur(1000), []booking.Money{{Micros: 5_000_000, Currency: "PLN"}}, nil, false},
		{"sub-cent", booking.Money{Micros: 10_000_001, Currency: "EUR"}, eurs(500), nil, false},
		{"zero total", eur(0), eurs(500), nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := splittender.Plan(tc.total, tc.gift)
			if !tc.ok {
				if !errors.Is(err, booking.ErrInvalid) {
					t.Fatalf("Plan: err = %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for i, l := range got.Legs {
				sum += l.CapturedMicros
				wantKind := splittender.GiftCard
				if i >= len(tc.gift) {
					wantKind = splittender.Card
				}
				if l.CapturedMicros != tc.legs[i]*10_000 || l.Kind != wantKind {
					t.Errorf("leg %d = %+v, want %d cents %v", i, l, tc.legs[i], wantKind)
				}
			}
			if len(got.Legs) != len(tc.legs) || sum != tc.total.Micros {
				t.Errorf("legs %+v sum %d, want %d legs summing to %d", got.Legs, sum, len(tc.legs), tc.total.Micros)
			}
		})
	}
}

// four is the 3-gift-card + card tender: 250 + 250 + 50 gift cards, 60 € card.
func four(t *testing.T) splittender.Tender {
	t.Helper()
	tn, err := splittender.Plan(eur(61000), eurs(25000, 25000, 5000))
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func TestRefundAllocation(t *testing.T) {
	t.Parallel()
	type step struct {
		id      string
		cents   int64
		parts   map[int]int64 // leg → cents
		wantErr error
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"card first", []step{{"r1", 4000, map[int]int64{3: 4000}, nil}}},
		{"spills into last gift card", []step{{"r1", 8000, map[int]int64{3: 6000, 2: 2000}, nil}}},
		{"repeated partial refunds", []step{
			{"r1", 5000, map[int]int64{3: 5000}, nil},
			{"r2", 5000, map[int]int64{3: 1000, 2: 4000}, nil},
			{"r3", 30000, map[int]int64{2: 1000, 1: 25000, 0: 4000}, nil},
		}},
		{"full refund", []step{{"r1", 61000, map[int]int64{3: 6000, 2: 5000, 1: 25000, 0: 25000}, nil}}},
		{"over total", []step{{"r1", 61001, nil, splittender.ErrOverRefund}}},
		{"over remainder", []step{
			{"r1", 60000, map[int]int64{3: 6000, 2: 5000, 1: 25000, 0: 24000}, nil},
			{"r2", 1001, nil, splittender.ErrOverRefund},
			{"r3", 1000, map[int]int64{0: 1000}, nil},
		}},
		{"replay same id", []step{
			{"r1", 4000, map[int]int64{3: 4000}, nil},
			{"r1", 4000, map[int]int64{3: 4000}, nil},
			{"r2", 2000, map[int]int64{3: 2000}, nil},
		}},
		{"id reused other amount", []step{
			{"r1", 4000, map[int]int64{3: 4000}, nil},
			{"r1", 5000, nil, splittender.ErrRefundIDReused},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tn := four(t)
			for _, s := range tc.steps {
				before := tn
				next, r, err := tn.Refund(s.id, eur(s.cents))
				if s.wantErr != nil {
					if !errors.Is(err, s.wantErr) {
						t.Fatalf("%s: err = %v, want %v", s.id, err, s.wantErr)
					}
					if next.RefundedMicros() != before.RefundedMicros() {
						t.Fatalf("%s: failed refund changed the tender", s.id)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", s.id, err)
				}
				got := map[int]int64{}
				for _, p := range r.Parts {
					got[p.Leg] = p.Micros / 10_000
				}
				if fmt.Sprint(got) != fmt.Sprint(s.parts) {
					t.Errorf("%s: parts %v, want %v", s.id, got, s.parts)
				}
				if err := next.Validate(); err != nil {
					t.Errorf("%s: result invalid: %v", s.id, err)
				}
				tn = next
			}
		})
	}
}

func TestRefundDoesNotAlias(t *testing.T) {
	t.Parallel()
	tn := four(t)
	next, _, err := tn.Refund("r1", eur(100))
	if err != nil {
		t.Fatal(err)
	}
	if tn.RefundedMicros() != 0 || len(tn.Refunds) != 0 || next.RefundedMicros() != 1_000_000 {
		t.Errorf("receiver changed: %+v", tn)
	}
}

func TestInvalidRefunds(t *testing.T) {
	t.Parallel()
	tn := four(t)
	for _, tc := range []struct {
		name string
		id   string
		m    booking.Money
	}{
		{"no id", "", eur(100)},
		{"zero", "r", eur(0)},
		{"negative", "r", eur(-100)},
		{"other currency", "r", booking.Money{Micros: 1_000_000, Currency: "PLN"}},
		{"sub-cent", "r", booking.Money{Micros: 1, Currency: "EUR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := tn.Refund(tc.id, tc.m); !errors.Is(err, booking.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestPropertyCaps applies random sequences of refunds — new ids and replays of
// earlier ones — and checks the caps after each.
func TestPropertyCaps(t *testing.T) {
	t.Parallel()
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 99))
		nGift := 1 + rng.IntN(3)
		var gift []booking.Money
		var total int64
		for range nGift {
			c := 1 + rng.Int64N(25000)
			gift = append(gift, eur(c))
			total += c
		}
		total += rng.Int64N(20000)
		tn, err := splittender.Plan(eur(total), gift)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var ids []string
		var accepted int64
		for step := range 40 {
			amount := eur(1 + rng.Int64N(total/2+1))
			id := fmt.Sprintf("r%d", step)
			if len(ids) > 0 && rng.IntN(4) == 0 {
				id = ids[rng.IntN(len(ids))] // replay
			}
			next, r, err := tn.Refund(id, amount)
			if err == nil && next.RefundedMicros() != tn.RefundedMicros() {
				accepted += r.Micros
				ids = append(ids, id)
			}
			tn = next
			var refunded int64
			for i, l := range tn.Legs {
				if l.RefundedMicros < 0 || l.RefundedMicros > l.CapturedMicros {
					t.Fatalf("seed %d step %d: leg %d refunded %d of %d", seed, step, i, l.RefundedMicros, l.CapturedMicros)
				}
				refunded += l.RefundedMicros
			}
			if refunded > tn.Total.Micros || refunded != accepted {
				t.Fatalf("seed %d step %d: refunded %d, accepted %d, total %d", seed, step, refunded, accepted, tn.Total.Micros)
			}
			if err := tn.Validate(); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
		}
	}
}

// store stands in for the bbolt record: read, apply, write back under one lock, the
// way a storage transaction serialises writers.
type store struct {
	mu sync.Mutex
	t  splittender.Tender
}

func (s *store) update(f func(splittender.Tender) (splittender.Tender, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := f(s.t)
	if err == nil {
		s.t = n
	}
	return err
}

func TestRacingRefunds(t *testing.T) {
	t.Parallel()
	s := &store{t: four(t)}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range 20 {
				id := fmt.Sprintf("r%d", i%10) // every id is raced by many goroutines
				_ = s.update(func(tn splittender.Tender) (splittender.Tender, error) {
					n, _, err := tn.Refund(id, eur(4000))
					return n, err
				})
			}
		})
	}
	wg.Wait()
	if err := s.t.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.t.RefundedMicros(); got > s.t.Total.Micros || got != eur(40000).Micros { // 10 refunds of 40 €, each counted once
		t.Errorf("refunded %d micros of %d", got, s.t.Total.Micros)
	}
}
