package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/booking"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/gateways"
	"github.com/bookingserver/bookingserver/payment/sandbox"
	"github.com/bookingserver/bookingserver/payment/secrets"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
	"github.com/bookingserver/bookingserver/tenant"
)

// Slots the tenancy test adds (2030-01-02, one per kind of booking it needs).
const (
	tnSlot      int64 = 1893578400 // 10:00Z, 100 spots of m1 haircut and m2 haircut
	tnAsyncSlot int64 = 1893582000 // 11:00Z, 100 spots of m1 haircut awaiting the merchant
	tnSpaSlot   int64 = 1893585600 // 12:00Z, 100 spots of m1 spa (prepaid, USD 50)
)

// tnFeeds add merchant m2 and, for m1, a prepaid service and slots with room for
// every call of the matrix.
var tnFeeds = []struct {
	kind bsv1.FeedKind
	data string
}{
	{bsv1.FeedKind_FEED_KIND_MERCHANT, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "merchant":[{"merchant_id":"m2","name":"Salon Two"}]}`},
	{bsv1.FeedKind_FEED_KIND_SERVICE, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "service":[{"merchant_id":"m2","service_id":"haircut","name":"Haircut","price":{"price_micros":"20000000","currency_code":"USD"}},
	  {"merchant_id":"m1","service_id":"spa","name":"Spa","price":{"price_micros":"50000000","currency_code":"USD"},"prepayment_type":"REQUIRED"}]}`},
	{bsv1.FeedKind_FEED_KIND_AVAILABILITY, fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "service_availability":[{"availability":[
	  {"merchant_id":"m1","service_id":"haircut","start_sec":"%[1]d","duration_sec":"1800","spots_total":"100","spots_open":"100"},
	  {"merchant_id":"m2","service_id":"haircut","start_sec":"%[1]d","duration_sec":"1800","spots_total":"100","spots_open":"100"},
	  {"merchant_id":"m1","service_id":"haircut","start_sec":"%[2]d","duration_sec":"1800","spots_total":"100","spots_open":"100","confirmation_mode":"CONFIRMATION_MODE_ASYNCHRONOUS"},
	  {"merchant_id":"m1","service_id":"spa","start_sec":"%[3]d","duration_sec":"1800","spots_total":"100","spots_open":"100"}]}]}`, tnSlot, tnAsyncSlot, tnSpaSlot)},
}

// tenancyBundle is a server with two merchants and keys: own (m1's), other (m2's),
// revoked (m1's, revoked).
type tenancyBundle struct {
	*bundle
	grpcAddr                   string
	admin, own, other, revoked string
	n                          int
}

// tenancySetup starts a server over st with the fixture and tenancy feeds.
func tenancySetup(t *testing.T, st store.Backend) *tenancyBundle {
	t.Helper()
	storetest.LoadFixture(t, st)
	for _, f := range tnFeeds {
		if _, err := st.LoadFeed(t.Context(), f.kind, []byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	key, err := secrets.NewKey(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := gateways.New(gateways.Config{Store: st, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	core, err := booking.New(booking.Config{Store: st, Processor: sandbox.New(sandbox.Options{}), ParseToken: payment.ParseToken, Gateways: reg})
	if err != nil {
		t.Fatal(err)
	}
	ks, ok := st.(tenant.KeyStore)
	if !ok {
		t.Fatalf("%T keeps no merchant keys", st)
	}
	srv, err := server.New(server.Config{GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: testUser, BasicPassword: testPassword, AdminToken: testAdmin}},
		server.Deps{Bookings: core, Feeds: st, Gateways: reg, Keys: tenant.NewKeys(ks, nil), Notifications: st.Outbox(), Exports: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Error(err)
		}
	})
	b := &tenancyBundle{bundle: &bundle{store: st, baseURL: "http://" + srv.HTTPAddr()}, grpcAddr: srv.GRPCAddr(), admin: "Bearer " + testAdmin}
	_, own := b.newKey(t, "m1")
	_, other := b.newKey(t, "m2")
	revokedID, revoked := b.newKey(t, "m1")
	b.own, b.other, b.revoked = "Bearer "+own, "Bearer "+other, "Bearer "+revoked
	var list struct {
		Keys []struct {
			KeyID string `json:"key_id"`
		} `json:"keys"`
	}
	b.must(t, "GET", "/v1/merchants/m1/keys", b.admin, "", 200, &list)
	if len(list.Keys) != 2 || strings.Contains(fmt.Sprint(list), "bsk_") {
		t.Fatalf("m1 keys: %+v", list)
	}
	b.must(t, "DELETE", "/v1/merchants/m1/keys/"+revokedID, b.admin, "", 200, nil)
	b.must(t, "DELETE", "/v1/merchants/m1/keys/"+revokedID, b.admin, "", 404, nil)
	// m1's cart configuration, for the cart routes.
	b.must(t, "PUT", "/v1/merchants/m1/cart", b.admin, `{"callback_url":"http://127.0.0.1/cart"}`, 200, nil)
	b.must(t, "PUT", "/v1/merchants/m1/services/haircut/cart", b.admin, `{"enabled":true,"amount":{"price_micros":"15000000","currency_code":"USD"}}`, 200, nil)
	return b
}

// newKey mints a key with the admin token and returns its id and the key.
func (b *tenancyBundle) newKey(t *testing.T, merchant string) (string, string) {
	t.Helper()
	var k struct {
		KeyID string `json:"key_id"`
		Key   string `json:"key"`
	}
	b.must(t, "POST", "/v1/merchants/"+merchant+"/keys", b.admin, "{}", 200, &k)
	if k.KeyID == "" || !strings.HasPrefix(k.Key, "bsk_") || len(k.Key) < 40 {
		t.Fatalf("new key: %+v", k)
	}
	return k.KeyID, k.Key
}

// must sends a request, checks the status and decodes the answer into out (if not nil).
func (b *tenancyBundle) must(t *testing.T, method, path, auth, body string, want int, out any) {
	t.Helper()
	code, _, resp := b.do(t, method, path, auth, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, resp, want)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, resp)
		}
	}
}

// book makes a fresh booking of m1 through Google's API and returns its id; prepaid
// books the spa (charged), async the slot awaiting the merchant.
func (b *tenancyBundle) book(t *testing.T, kind string) string {
	t.Helper()
	b.n++
	svc, start, pay := "haircut", tnSlot, ""
	switch kind {
	case "prepaid":
		svc, start, pay = "spa", tnSpaSlot, `,"payment_processing_parameters":{"payment_processor":"stripe","unparsed_payment_method_token":"{\"id\":\"tok_visa\",\"object\":\"token\"}"}`
	case "async":
		start = tnAsyncSlot
	}
	var out struct {
		Booking struct {
			BookingID string `json:"booking_id"`
		} `json:"booking"`
	}
	b.must(t, "POST", "/v3/CreateBooking", basic(testUser, testPassword), fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":%q,"start_sec":"%d","duration_sec":"1800"},
		"user_information":{"user_id":"u%d","email":"u@example.com"},"idempotency_token":"tn-%d"%s}`, svc, start, b.n, b.n, pay), 200, &out)
	if out.Booking.BookingID == "" {
		t.Fatalf("no booking made for %s", kind)
	}
	return out.Booking.BookingID
}

// cartBooking makes a fresh cart booking of m1 through the merchant channel and
// returns its booking and payment ids.
func (b *tenancyBundle) cartBooking(t *testing.T) (string, string) {
	t.Helper()
	b.n++
	var out struct {
		Booking struct {
			BookingID string `json:"booking_id"`
		} `json:"booking"`
		PaymentID string `json:"payment_id"`
	}
	b.must(t, "POST", "/v1/bookings", b.admin, fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800"},
		"user_information":{"user_id":"c%d"},"payment_method":"CART","request_id":"cart-%d"}`, tnSlot, b.n, b.n), 200, &out)
	return out.Booking.BookingID, out.PaymentID
}

// TestTenancyMatrix calls every /v1 route with the admin token, m1's own key, m2's key
// and a revoked key of m1, on m1's records. The admin and the own key get the route's
// answer; the other merchant's key gets 404 (m1's records do not exist for it), or a
// refusal for a feed with m1's records; the revoked key gets 401. Routes that mint
// and revoke keys take the admin token only.
func TestTenancyMatrix(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		b := tenancySetup(t, st)
		// A cart booking paid after it was abandoned is refund_due: the list route has
		// something of m1's to show or hide.
		due, duePay := b.cartBooking(t)
		b.must(t, "PUT", "/v1/bookings/"+due, b.admin, `{"status":"CANCELLED"}`, 200, nil)
		b.must(t, "PUT", "/v1/bookings/"+due+"/payments/"+duePay, b.admin, `{"status":"COLLECTED","amount":{"price_micros":"15000000","currency_code":"USD"},"reference":"x-1"}`, 200, nil)

		type call struct{ method, path, body string }
		m1Feed := func(kind string) func(t *testing.T) call {
			data := map[string]string{
				"merchant":     `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000002"},"merchant":[{"merchant_id":"m1","name":"Salon One"}]}`,
				"service":      `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000002"},"service":[{"merchant_id":"m1","service_id":"nails","name":"Nails","price":{"price_micros":"1000000","currency_code":"USD"}}]}`,
				"availability": fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000002"},"service_availability":[{"availability":[{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800","spots_total":"3","spots_open":"3"}]}]}`, tnSlot+7200),
			}[kind]
			return func(*testing.T) call { return call{"POST", "/v1/feeds/" + kind, data} }
		}
		// onBooking calls verb on a fresh booking; a request id is bound to its booking, so
		// the body's "r" becomes one of the booking's own.
		onBooking := func(kind, verb, body string) func(t *testing.T) call {
			return func(t *testing.T) call {
				id := b.book(t, kind)
				return call{"POST", "/v1/bookings/" + id + verb, strings.Replace(body, `"request_id":"r"`, `"request_id":"r-`+id+`"`, 1)}
			}
		}
		// noShow makes a booking of m1 marked no-show: Google's notification is queued.
		noShow := func(t *testing.T) (bookingID string, outboxID uint64) {
			id := b.book(t, "")
			b.must(t, "POST", "/v1/bookings/"+id+":markNoShow", b.admin, `{"request_id":"n-`+id+`"}`, 200, nil)
			pending, err := b.store.Outbox().ListPending(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range pending {
				if r.GetNotification().GetBookingId() == id {
					return id, r.GetId()
				}
			}
			t.Fatalf("no notification queued for %s", id)
			return "", 0
		}
		routes := []struct {
			name string
			// prepare makes fresh records of m1 for one call.
			prepare func(t *testing.T) call
			// ok is the answer of the admin and the own key; other is the other key's.
			ok, other int
			// check looks at the answer of an allowed call ("" skips).
			contains string
			// adminOnly routes refuse merchant keys (401).
			adminOnly bool
		}{
			{"GET booking", func(t *testing.T) call { return call{"GET", "/v1/bookings/" + b.book(t, ""), ""} }, 200, 404, `"status":"CONFIRMED"`, false},
			{"markNoShow", onBooking("", ":markNoShow", `{"request_id":"r"}`), 200, 404, `"status":"NO_SHOW"`, false},
			{"cancel", onBooking("prepaid", ":cancel", `{"request_id":"r"}`), 200, 404, `"PREPAYMENT_REFUNDED"`, false},
			{"refund", onBooking("prepaid", ":refund", `{"request_id":"r","amount":{"price_micros":"10000000","currency_code":"USD"}}`), 200, 404, `"refunded_micros":"10000000"`, false},
			{"confirm", onBooking("async", ":confirm", `{"request_id":"r"}`), 200, 404, `"status":"CONFIRMED"`, false},
			{"decline", onBooking("async", ":decline", `{"request_id":"r"}`), 200, 404, `"status":"DECLINED_BY_MERCHANT"`, false},
			{"create merchant booking", func(t *testing.T) call {
				b.n++
				return call{"POST", "/v1/bookings", fmt.Sprintf(`{"slot":{"merchant_id":"m1","service_id":"haircut","start_sec":"%d","duration_sec":"1800"},
				"user_information":{"user_id":"w%d"},"payment_method":"NONE","request_id":"w-%d"}`, tnSlot, b.n, b.n)}
			}, 200, 404, `"status":"CONFIRMED"`, false},
			{"abandon cart", func(t *testing.T) call {
				id, _ := b.cartBooking(t)
				return call{"PUT", "/v1/bookings/" + id, `{"status":"CANCELLED"}`}
			}, 200, 404, `"status":"CANCELED"`, false},
			{"collect cart payment", func(t *testing.T) call {
				id, pay := b.cartBooking(t)
				return call{"PUT", "/v1/bookings/" + id + "/payments/" + pay, `{"status":"COLLECTED","amount":{"price_micros":"15000000","currency_code":"USD"},"reference":"ref-` + id + `"}`}
			}, 200, 404, `"status":"CONFIRMED"`, false},
			{"list refund_due", func(*testing.T) call { return call{"GET", "/v1/bookings?state=refund_due", ""} }, 200, 200, due, false},
			{"merchant cart", func(*testing.T) call {
				return call{"PUT", "/v1/merchants/m1/cart", `{"callback_url":"http://127.0.0.1/cart"}`}
			}, 200, 404, `"merchant_id":"m1"`, false},
			{"service cart", func(*testing.T) call {
				return call{"PUT", "/v1/merchants/m1/services/haircut/cart", `{"enabled":true,"amount":{"price_micros":"15000000","currency_code":"USD"}}`}
			}, 200, 404, `"service_id":"haircut"`, false},
			{"imoje account", func(*testing.T) call {
				return call{"PUT", "/v1/merchants/m1/gateways/imoje", `{"merchant_id":"im","service_id":"is","api_token":"t","shop_key":"k","base_url":"http://127.0.0.1:9"}`}
			}, 200, 404, `"gateway":"imoje"`, false},
			{"worldline account", func(*testing.T) call {
				return call{"PUT", "/v1/merchants/m1/gateways/worldline", `{"merchant_id":"P","api_key_id":"a","api_secret":"s","webhook_key_id":"w","webhook_secret":"ws","base_url":"http://127.0.0.1:9"}`}
			}, 200, 404, `"gateway":"worldline"`, false},
			{"stripe account", func(*testing.T) call {
				return call{"PUT", "/v1/merchants/m1/gateways/stripe", `{"secret_key":"sk_test_1","webhook_secret":"whsec_1"}`}
			}, 200, 404, `"gateway":"stripe"`, false},
			{"get gateway account", func(*testing.T) call { return call{"GET", "/v1/merchants/m1/gateways/stripe", ""} }, 200, 404, `"set":true`, false},
			{"merchant feed", m1Feed("merchant"), 200, 400, `"records_applied"`, false},
			{"service feed", m1Feed("service"), 200, 400, `"records_applied"`, false},
			{"availability feed", m1Feed("availability"), 200, 400, `"records_applied"`, false},
			{"list notifications", func(t *testing.T) call {
				noShow(t)
				return call{"GET", "/v1/notifications?state=pending", ""}
			}, 200, 200, `"merchant_id":"m1"`, false},
			{"retry dead letter", func(t *testing.T) call {
				_, id := noShow(t)
				if err := b.store.Outbox().Dead(t.Context(), id, &bsv1.Attempt{AtUnix: 1, Attempt: 1, Error: "HTTP 400"}); err != nil {
					t.Fatal(err)
				}
				return call{"POST", fmt.Sprintf("/v1/notifications/%d:retry", id), "{}"}
			}, 200, 404, `"OUTBOX_STATE_PENDING"`, false},
			{"export feed", func(*testing.T) call { return call{"GET", "/v1/feeds/availability:export", ""} }, 200, 401, `"service_availability"`, true},
			{"backup", func(*testing.T) call { return call{"GET", "/v1/backup", ""} }, 501, 401, "", true},
			{"feed export", func(*testing.T) call { return call{"GET", "/v1/feeds/merchant:export", ""} }, 200, 401, `"merchant_id":"m2"`, true},
			{"create key", func(*testing.T) call { return call{"POST", "/v1/merchants/m1/keys", "{}"} }, 200, 401, `"key":"bsk_`, true},
			{"list keys", func(*testing.T) call { return call{"GET", "/v1/merchants/m1/keys", ""} }, 200, 401, `"key_id"`, true},
			{"revoke key", func(t *testing.T) call {
				var k struct {
					KeyID string `json:"key_id"`
				}
				b.must(t, "POST", "/v1/merchants/m1/keys", b.admin, "{}", 200, &k)
				return call{"DELETE", "/v1/merchants/m1/keys/" + k.KeyID, ""}
			}, 200, 401, "{}", true},
		}
		// Stripe's account must exist before it is read.
		b.must(t, "PUT", "/v1/merchants/m1/gateways/stripe", b.admin, `{"secret_key":"sk_test_1","webhook_secret":"whsec_1"}`, 200, nil)
		for _, r := range routes {
			creds := []struct {
				name, auth string
				want       int
			}{
				{"admin", b.admin, r.ok},
				{"own key", b.own, r.ok},
				{"other merchant's key", b.other, r.other},
				{"revoked key", b.revoked, 401},
				{"no credential", "", 401},
			}
			if r.adminOnly {
				creds[1].want = 401
			}
			for _, c := range creds {
				t.Run(r.name+"/"+c.name, func(t *testing.T) {
					call := r.prepare(t)
					allowed := c.auth == b.admin || (c.auth == b.own && !r.adminOnly)
					code, _, body := b.do(t, call.method, call.path, c.auth, call.body)
					if code != c.want {
						t.Fatalf("%s %s: %d %s, want %d", call.method, call.path, code, body, c.want)
					}
					switch {
					case allowed && !strings.Contains(body, r.contains):
						t.Errorf("%s %s: %s, want it to contain %s", call.method, call.path, body, r.contains)
					case !allowed && (strings.Contains(body, `"m1"`) || strings.Contains(body, due)):
						t.Errorf("refused answer reveals m1's records: %s", body)
					case c.name == "other merchant's key" && r.name == "list refund_due" && strings.Contains(body, due):
						t.Errorf("m2 sees m1's refund_due booking: %s", body)
					}
				})
			}
		}
	})
}

// TestTenancyOverGRPC: the gRPC listener decides the scope in the same place as REST.
func TestTenancyOverGRPC(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		b := tenancySetup(t, st)
		id := b.book(t, "")
		conn, err := grpc.NewClient(strings.TrimPrefix(b.grpcAddr, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		merchant, keys := bsv1.NewMerchantServiceClient(conn), bsv1.NewMerchantKeyServiceClient(conn)
		as := func(auth string) context.Context {
			return metadata.AppendToOutgoingContext(t.Context(), "authorization", auth)
		}
		for _, tt := range []struct {
			auth string
			want codes.Code
		}{{b.admin, codes.OK}, {b.own, codes.OK}, {b.other, codes.NotFound}, {b.revoked, codes.Unauthenticated}} {
			if _, err := merchant.GetBooking(as(tt.auth), &bsv1.GetBookingRequest{BookingId: id}); status.Code(err) != tt.want {
				t.Errorf("GetBooking: %v, want %v", err, tt.want)
			}
		}
		if _, err := keys.ListMerchantKeys(as(b.own), &bsv1.ListMerchantKeysRequest{MerchantId: "m1"}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("ListMerchantKeys with a merchant key: %v", err)
		}
		if _, err := keys.ListMerchantKeys(as(b.admin), &bsv1.ListMerchantKeysRequest{MerchantId: "m1"}); err != nil {
			t.Errorf("ListMerchantKeys with the admin token: %v", err)
		}
	})
}
