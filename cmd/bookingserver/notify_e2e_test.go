package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/notifier/notifiertest"
)

// TestMerchantActionsReachGoogle runs the whole server (serve with the sandbox
// processor and the notifier on, against a local Maps Booking API and OAuth2 token
// endpoint): a booking made through Google's REST API that the merchant marks as a
// no-show reaches Google as NO_SHOW_PENALIZED with the fee charged; a prepaid booking
// the merchant cancels reaches Google as CANCELED + PREPAYMENT_REFUNDED; on each
// store.
func TestMerchantActionsReachGoogle(t *testing.T) {
	eachStore(t, func(t *testing.T, store []string) {
		dir := t.TempDir()
		api, tokens := notifiertest.NewFakeAPI(t), notifiertest.NewTokenServer(t)
		creds := notifiertest.ServiceAccountFile(t, tokens.URL)
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour).Unix()
		meta := `"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","total_shards":1,"generation_timestamp":"1700000000"}`
		feeds := map[string]string{
			"merchants.json": `{` + meta + `,"merchant":[{"merchant_id":"m1","name":"Spa"}]}`,
			"services.json": `{` + meta + `,"service":[
				{"merchant_id":"m1","service_id":"noshow","name":"Spa","price":{"price_micros":"200000000","currency_code":"USD"},
				 "no_show_fee":{"fee":{"price_micros":"25000000","currency_code":"USD"}}},
				{"merchant_id":"m1","service_id":"prepay","name":"Spa","price":{"price_micros":"200000000","currency_code":"USD"},"prepayment_type":"REQUIRED"}]}`,
			"availability.json": fmt.Sprintf(`{`+meta+`,"service_availability":[{"availability":[
				{"merchant_id":"m1","service_id":"noshow","start_sec":"%d","duration_sec":"3600","spots_total":"2","spots_open":"2"},
				{"merchant_id":"m1","service_id":"prepay","start_sec":"%d","duration_sec":"3600","spots_total":"2","spots_open":"2"}]}]}`, start, start),
		}
		feedDir := filepath.Join(dir, "feeds")
		if err := os.Mkdir(feedDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, body := range feeds {
			if err := os.WriteFile(filepath.Join(feedDir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		srv := serveInProcess(t, serveArgs(store, "--feeds", feedDir,
			"--auth-user", "g", "--auth-password", "p", "--admin-token", "adm",
			"--partner-id", "4242", "--maps-booking-url", api.URL, "--google-credentials", creds))
		base := "http://" + srv.httpAddr

		post := func(path, auth, body string) map[string]any {
			t.Helper()
			req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
			if auth == "google" {
				req.SetBasicAuth("g", "p")
			} else {
				req.Header.Set("Authorization", "Bearer adm")
			}
			var out map[string]any
			doJSON(t, req, &out)
			return out
		}
		book := func(service, token string) string {
			out := post("/v3/CreateBooking", "google", fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":%q,"start_sec":"%d","duration_sec":"3600"},
				"user_information":{"user_id":"u-%s","email":"u@example.com"},"idempotency_token":%q,
				"payment_processing_parameters":{"payment_processor":"stripe","unparsed_payment_method_token":"tok_visa"}}`, service, start, service, token))
			b, _ := out["booking"].(map[string]any)
			if b == nil || b["status"] != "CONFIRMED" {
				t.Fatalf("create %s: %v", service, out)
			}
			return b["booking_id"].(string)
		}

		id := book("noshow", "t1")
		post("/v1/bookings/"+id+":markNoShow", "merchant", `{"request_id":"ns-1"}`)
		got := api.Next(t)
		if got.Method != "PATCH" || got.Path != "/v1alpha/notification/partners/4242/bookings/"+id || got.UpdateMask != "status" ||
			got.Auth != "Bearer tok-1" || got.Body["status"] != "NO_SHOW_PENALIZED" || got.Body["name"] != "partners/4242/bookings/"+id {
			t.Errorf("no-show PATCH: %+v", got)
		}

		id = book("prepay", "t2")
		post("/v1/bookings/"+id+":cancel", "merchant", `{"request_id":"c-1"}`)
		got = api.Next(t)
		pi, _ := got.Body["paymentInformation"].(map[string]any)
		if got.Path != "/v1alpha/notification/partners/4242/bookings/"+id || got.UpdateMask != "status,paymentInformation.prepaymentStatus" ||
			got.Body["status"] != "CANCELED" || pi["prepaymentStatus"] != "PREPAYMENT_REFUNDED" {
			t.Errorf("cancel PATCH: %+v", got)
		}
		api.None(t, 100*time.Millisecond)
	})
}
