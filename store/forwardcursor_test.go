package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// TestForwardCursorSeeksLikeBolt checks forwardCursor.seek, next and get against
// bolt's Cursor.Seek and Bucket.Get on a bucket of several pages, for targets that
// go forward by small and large steps, repeat, go back, and fall between keys and
// past the end.
func TestForwardCursorSeeksLikeBolt(t *testing.T) {
	t.Parallel()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// Even keys 0..2*n-2 (8-byte big-endian), so odd targets fall between keys.
	const n = 5000
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for i := range n {
			if err := b.Put(key8(2*i), []byte(fmt.Sprint(i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for round := range 50 {
			f, ref := newForwardCursor(b), b.Cursor()
			target := rng.IntN(2 * n)
			for step := range 200 {
				switch r := rng.IntN(10); {
				case r < 5:
					target += rng.IntN(4) // near: stay, or a step or two forward
				case r < 7:
					target += rng.IntN(40) // further than forwardSteps
				case r < 8:
					target -= rng.IntN(20) // back
				case r < 9:
					target = 2*n + rng.IntN(5) // past the end
				default:
					target = rng.IntN(2 * n)
				}
				target = max(target, 0)
				tk := key8(target)
				gk, gv := f.seek(tk)
				wk, wv := ref.Seek(tk)
				if !bytes.Equal(gk, wk) || !bytes.Equal(gv, wv) {
					t.Fatalf("round %d step %d: seek %d = %x %q, bolt says %x %q", round, step, target, gk, gv, wk, wv)
				}
				if got, want := f.get(tk), b.Get(tk); !bytes.Equal(got, want) {
					t.Fatalf("round %d step %d: get %d = %q, bolt says %q", round, step, target, got, want)
				}
				// Walk a few keys, as a scan does, then carry on from there.
				for range rng.IntN(3) {
					if gk == nil {
						break
					}
					gk, gv = f.next()
					wk, wv = ref.Next()
					if !bytes.Equal(gk, wk) || !bytes.Equal(gv, wv) {
						t.Fatalf("round %d step %d: next = %x, bolt says %x", round, step, gk, wk)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func key8(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }

// TestAppendSlotScanPrefix holds appendSlotScanPrefix to feeds.SlotPrefix's layout,
// and its prefixes to the keys feeds.AppendSlotKey writes.
func TestAppendSlotScanPrefix(t *testing.T) {
	t.Parallel()
	buf := []byte("garbage to be overwritten")
	for _, c := range []struct {
		m, s            string
		start, duration int64
	}{{"m1", "haircut", 1893492000, 0}, {"m1", "haircut", 1893492000, 1800}, {"", "", 1, 0}, {"merchant-0007", "merchant-0007-svc-03", 1 << 40, 7200}} {
		buf = appendSlotScanPrefix(buf[:0], c.m, c.s, c.start, c.duration)
		if want := slotScanPrefix(c.m, c.s, c.start, c.duration); !bytes.Equal(buf, want) {
			t.Errorf("%+v: %x, want %x", c, buf, want)
		}
		if p := appendSlotScanPrefix(nil, c.m, c.s, c.start, 0); !bytes.Equal(p, feeds.SlotPrefix(c.m, c.s, c.start)) {
			t.Errorf("%+v: %x, want feeds.SlotPrefix %x", c, p, feeds.SlotPrefix(c.m, c.s, c.start))
		}
		key := feeds.AppendSlotKey(nil, &acv3.Availability{MerchantId: c.m, ServiceId: c.s, StartSec: c.start, DurationSec: max(c.duration, 60),
			Resources: &acv3.Resources{StaffId: "s", PartySize: 2}})
		if !bytes.HasPrefix(key, appendSlotScanPrefix(nil, c.m, c.s, c.start, c.duration)) {
			t.Errorf("%+v: slot key %x lacks the scan prefix", c, key)
		}
	}
}

// TestDecodeServiceSummary compares decodeServiceSummary with proto.Unmarshal,
// including a service whose rules appear twice on the wire (they merge, the last
// min_advance_booking wins) and one without rules.
func TestDecodeServiceSummary(t *testing.T) {
	t.Parallel()
	enc := func(m proto.Message) []byte {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	full := &acv3.Service{MerchantId: "m1", ServiceId: "haircut", Name: "Haircut", PaymentOptionId: []string{"a", "b"},
		Price: &acv3.Price{PriceMicros: 15_000_000, CurrencyCode: "USD"},
		Rules: &acv3.SchedulingRules{MinAdvanceOnlineCanceling: 3600, MinAdvanceBooking: 600, MinBookingBufferBeforeEndTime: 9}}
	twice := slices.Concat(enc(full), enc(&acv3.Service{Rules: &acv3.SchedulingRules{MinAdvanceBooking: 7200}}), enc(&acv3.Service{Rules: &acv3.SchedulingRules{MinAdvanceOnlineCanceling: 1}}))
	for name, raw := range map[string][]byte{
		"full":     enc(full),
		"no rules": enc(&acv3.Service{MerchantId: "m1", ServiceId: "x"}),
		"twice":    twice,
		"empty":    nil,
	} {
		var got booking.ServiceSummary
		if err := decodeServiceSummary(raw, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		svc := &acv3.Service{}
		if err := proto.Unmarshal(raw, svc); err != nil {
			t.Fatal(err)
		}
		if want := svc.GetRules().GetMinAdvanceBooking(); got.MinAdvanceBookingSec != want {
			t.Errorf("%s: min_advance_booking %d, proto.Unmarshal says %d", name, got.MinAdvanceBookingSec, want)
		}
	}
	if err := decodeServiceSummary(enc(full)[:10], new(booking.ServiceSummary)); err == nil {
		t.Error("a truncated service decodes without error")
	}
}
