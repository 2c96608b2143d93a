package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bookingserver/bookingserver/store/storetest"
)

// TestGatewayRefundsRaceWithEchoes: merchant refunds racing each other on one
// imoje-paid booking, with imoje's echo of every refund arriving (twice) while others
// are still in flight, never refund more than was captured, and every echo is
// recognised: the ledger ends with exactly the refunds the merchant API accepted.
func TestGatewayRefundsRaceWithEchoes(t *testing.T) {
	t.Parallel()
	eachGatewayStore(t, func(t *testing.T, b *gwBundle) {
		bid := field(b.book(t, storetest.SlotFiveSpots, "u1", "IMOJE", "r1"), "booking", "booking_id").(string)
		if code, _ := b.imojeHook(t, imojeShopKey, "tx-1", "sale", "settled", "blik", bid, 1500); code != 200 {
			t.Fatal("payment webhook refused")
		}
		var accepted atomic.Int64
		var wg sync.WaitGroup
		for i := range 8 { // 8 refunds of USD 4 against a capture of USD 15: at most 3 fit
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := fmt.Sprintf(`{"request_id":"race-%d","amount":{"price_micros":"4000000","currency_code":"USD"}}`, i)
				req, _ := http.NewRequest("POST", b.baseURL+"/v1/bookings/"+bid+":refund", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testAdmin)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					accepted.Add(1)
				case 400: // over the cap
				default:
					t.Errorf("refund %d: HTTP %d", i, resp.StatusCode)
				}
			}()
		}
		// Echoes of whatever refunds the gateway has seen so far, delivered while the
		// refunds race, and again afterwards.
		echo := func() {
			b.fake.mu.Lock()
			refunds := append([]map[string]any(nil), b.fake.refunds...)
			b.fake.mu.Unlock()
			for _, r := range refunds {
				if code, out := b.imojeHook(t, imojeShopKey, r["id"].(string), "refund", "settled", "blik", bid, 400); code != 200 {
					t.Errorf("echo %v: %d %s", r["id"], code, out)
				}
			}
		}
		echo()
		wg.Wait()
		echo()
		echo()
		if accepted.Load() != 3 {
			t.Errorf("%d refunds of 4 accepted on a capture of 15, want 3", accepted.Load())
		}
		charged, refunded, _ := ledgerTotals(b.get(t, bid))
		if charged != 15e6 || refunded != 12e6 {
			t.Errorf("ledger charged %v refunded %v, want 15e6 and 12e6", charged, refunded)
		}
	})
}
