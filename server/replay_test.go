package server_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/payment"
	"github.com/bookingserver/bookingserver/payment/sandbox"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

// The replay fixture's slots, beside storetest's (all of service haircut but spa).
const (
	replaySpa   int64 = 1893502800 // m1/spa: 50 USD paid by card at booking
	replayAsync int64 = 1893506400 // m1/haircut, confirmed by the merchant
	replayPromo int64 = 1893510000 // m1/haircut at payment option "promo", which a later merchant feed drops
	replayCart  int64 = 1893513600 // m1/haircut, 100 spots
)

var replayFeeds = []struct {
	kind bsv1.FeedKind
	data string
}{
	{bsv1.FeedKind_FEED_KIND_MERCHANT, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "merchant":[{"merchant_id":"m1","name":"Salon One","payment_option":[{"payment_option_id":"promo","price":{"price_micros":"10000000","currency_code":"USD"}}]}]}`},
	{bsv1.FeedKind_FEED_KIND_SERVICE, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "service":[{"merchant_id":"m1","service_id":"spa","name":"Spa","price":{"price_micros":"50000000","currency_code":"USD"},"prepayment_type":"REQUIRED"}]}`},
	{bsv1.FeedKind_FEED_KIND_AVAILABILITY, fmt.Sprintf(`{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000001"},
	 "service_availability":[{"availability":[
	  {"merchant_id":"m1","service_id":"spa","start_sec":"%[1]d","duration_sec":"1800","spots_total":"100","spots_open":"100"},
	  {"merchant_id":"m1","service_id":"haircut","start_sec":"%[2]d","duration_sec":"1800","spots_total":"100","spots_open":"100","confirmation_mode":"CONFIRMATION_MODE_ASYNCHRONOUS"},
	  {"merchant_id":"m1","service_id":"haircut","start_sec":"%[3]d","duration_sec":"1800","spots_total":"100","spots_open":"100","payment_option_id":["promo"]},
	  {"merchant_id":"m1","service_id":"haircut","start_sec":"%[4]d","duration_sec":"1800","spots_total":"100","spots_open":"100"}]}]}`,
		replaySpa, replayAsync, replayPromo, replayCart)},
	{bsv1.FeedKind_FEED_KIND_MERCHANT, `{"metadata":{"processing_instruction":"PROCESS_AS_INCREMENTAL","total_shards":1,"generation_timestamp":"1700000002"},
	 "merchant":[{"merchant_id":"m1","name":"Salon One"}]}`},
}

// replayBundle is a server over the replay fixture whose card processor is the
// sandbox, taking Visa only, with one unpaid cart hold per customer.
type replayBundle struct {
	*bundle
	proc *sandbox.Processor
}

func replaySetup(t *testing.T, st store.Backend) *replayBundle {
	t.Helper()
	storetest.LoadFixture(t, st)
	for _, f := range replayFeeds {
		if _, err := st.LoadFeed(t.Context(), f.kind, []byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	proc := sandbox.New(sandbox.Options{AcceptedBrands: []string{"visa"}})
	core, err := booking.New(booking.Config{Store: st, Processor: proc, ParseToken: payment.ParseToken, CartLimits: booking.CartLimits{PerCustomer: 1}})
	if err != nil {
		t.Fatal(err)
	}
	b := &replayBundle{bundle: serve(t, st, core, server.Limits{}), proc: proc}
	if _, err := b.merchant.SetMerchantCart(b.admin(), &bsv1.SetMerchantCartRequest{MerchantId: "m1", CallbackUrl: "https://shop.example/cart"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.merchant.SetServiceCart(b.admin(), &bsv1.SetServiceCartRequest{MerchantId: "m1", ServiceId: "haircut", Enabled: true,
		Amount: &acv3.Price{PriceMicros: 15000000, CurrencyCode: "USD"}}); err != nil {
		t.Fatal(err)
	}
	return b
}

// google and admin are the contexts of Google's calls and of the merchant API's.
func (b *replayBundle) google() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", basic(testUser, testPassword))
}

func (b *replayBundle) admin() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+testAdmin)
}

// answer is one call's answer: the message, and over REST the body it was decoded from.
type answer struct {
	msg  proto.Message
	body string
}

// transport makes one create call, Google's or the merchant's, over gRPC or REST; an
// answer that is not OK is an error with the gRPC code (over REST, of its HTTP status).
type transport struct {
	name string
	call func(t *testing.T, b *replayBundle, req proto.Message) (answer, error)
}

// grpcCall calls rpc with ctx's credentials.
func grpcCall[Req, Resp proto.Message](rpc func(*replayBundle) func(context.Context, Req, ...grpc.CallOption) (Resp, error),
	ctx func(*replayBundle) context.Context) func(*testing.T, *replayBundle, proto.Message) (answer, error) {
	return func(t *testing.T, b *replayBundle, req proto.Message) (answer, error) {
		resp, err := rpc(b)(ctx(b), req.(Req))
		return answer{msg: resp}, err
	}
}

// restCall posts req, as protojson, to path with authorization, and decodes a 200's
// body into a new Resp.
func restCall[Resp proto.Message](path string, authorization string) func(*testing.T, *replayBundle, proto.Message) (answer, error) {
	return func(t *testing.T, b *replayBundle, req proto.Message) (answer, error) {
		body, err := protojson.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		code, _, out := b.do(t, "POST", path, authorization, string(body))
		if code != http.StatusOK {
			c := codes.Unknown
			if code == http.StatusServiceUnavailable {
				c = codes.Unavailable
			}
			return answer{}, status.Errorf(c, "HTTP %d: %s", code, out)
		}
		var zero Resp
		resp := zero.ProtoReflect().New().Interface()
		if err := protojson.Unmarshal([]byte(out), resp); err != nil {
			t.Fatalf("%s answered %s: %v", path, out, err)
		}
		return answer{msg: resp, body: out}, nil
	}
}

var (
	googleTransports = []transport{
		{"grpc", grpcCall(func(b *replayBundle) func(context.Context, *acv3.CreateBookingRequest, ...grpc.CallOption) (*acv3.CreateBookingResponse, error) {
			return b.bookings.CreateBooking
		}, (*replayBundle).google)},
		{"rest", restCall[*acv3.CreateBookingResponse]("/v3/CreateBooking", basic(testUser, testPassword))},
	}
	merchantTransports = []transport{
		{"grpc", grpcCall(func(b *replayBundle) func(context.Context, *bsv1.CreateMerchantBookingRequest, ...grpc.CallOption) (*bsv1.CreateMerchantBookingResponse, error) {
			return b.merchant.CreateMerchantBooking
		}, (*replayBundle).admin)},
		{"rest", restCall[*bsv1.CreateMerchantBookingResponse]("/v1/bookings", "Bearer "+testAdmin)},
	}
)

// replayCase is one kind of first answer: the request (its token, user and request
// id made unique per transport by tr), what to do before the first call, and what to
// do between the first answer and its replay.
type replayCase struct {
	name       string
	transports []transport
	req        func(tr string) proto.Message
	before     func(t *testing.T, b *replayBundle, tr string)
	// pending: the first call finds the processor down and is answered Unavailable,
	// leaving the payment pending; the next call settles it, and that is the first
	// answer.
	pending bool
	// want is the booking's status or the failure's cause in the first answer.
	want    string
	between func(t *testing.T, b *replayBundle, first proto.Message)
}

// createReq is a CreateBooking of m1's service at start by user, with a Google Pay
// token for the sandbox card card ("" for none). Each case books as a user of its
// own (its token), so that no case holds a spot another one asks for.
func createReq(service string, start int64, user, token, card string) *acv3.CreateBookingRequest {
	r := &acv3.CreateBookingRequest{
		Slot:             &acv3.Slot{MerchantId: "m1", ServiceId: service, StartSec: start, DurationSec: storetest.SlotDuration},
		UserInformation:  &acv3.UserInformation{UserId: user, GivenName: "Jane", Email: user + "@example.com"},
		IdempotencyToken: token,
	}
	if card != "" {
		r.PaymentProcessingParameters = &acv3.PaymentProcessingParameters{PaymentProcessor: "sandbox",
			UnparsedPaymentMethodToken: fmt.Sprintf(`{"id":%q,"object":"token","type":"card"}`, card)}
	}
	return r
}

// merchantReq is a merchant-channel booking of m1/haircut at start by user.
func merchantReq(start int64, user, method, requestID string) *bsv1.CreateMerchantBookingRequest {
	return &bsv1.CreateMerchantBookingRequest{
		Slot:            &acv3.Slot{MerchantId: "m1", ServiceId: "haircut", StartSec: start, DurationSec: storetest.SlotDuration},
		UserInformation: &acv3.UserInformation{UserId: user, Email: user + "@example.com"},
		PaymentMethod:   method, RequestId: requestID,
	}
}

// outcome is the booking's status, or the failure's cause, of an answer.
func outcome(m proto.Message) string {
	r := m.(interface {
		GetBooking() *acv3.Booking
		GetBookingFailure() *acv3.BookingFailure
	})
	if f := r.GetBookingFailure(); f != nil {
		return f.GetCause().String()
	}
	return r.GetBooking().GetStatus().String()
}

func bookingOf(m proto.Message) *acv3.Booking {
	return m.(interface{ GetBooking() *acv3.Booking }).GetBooking()
}

// TestReplayAnswersAsTheFirstCall: a retry of a CreateBooking (same token) or of a
// merchant booking (same request id) answers exactly what the first call answered —
// proto.Equal over gRPC, the same JSON over REST — on both stores: for a booking
// confirmed, paid, awaiting the merchant or a cart payment (even after it changed
// since), for a card payment first left pending by a processor outage, and for every
// failure (not stored: the retry is a new attempt, which fails the same way).
func TestReplayAnswersAsTheFirstCall(t *testing.T) {
	t.Parallel()
	cases := []replayCase{
		{name: "confirmed, then cancelled", transports: googleTransports, want: "CONFIRMED",
			req: func(tr string) proto.Message {
				return createReq("haircut", storetest.SlotFiveSpots, "confirmed-"+tr, "confirmed-"+tr, "")
			},
			between: func(t *testing.T, b *replayBundle, first proto.Message) {
				id := bookingOf(first).GetBookingId()
				if _, err := b.bookings.UpdateBooking(b.google(), &acv3.UpdateBookingRequest{Booking: &acv3.Booking{BookingId: id, Status: acv3.BookingStatus_CANCELED}}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "a caller's newer user information", transports: googleTransports[:1], want: "CONFIRMED",
			req: func(tr string) proto.Message {
				r := createReq("haircut", storetest.SlotFiveSpots, "newer-"+tr, "newer-"+tr, "")
				// Field 99, unknown here, of a newer UserInformation and PostalAddress (REST
				// drops them).
				newer := protowire.AppendString(protowire.AppendTag(nil, 99, protowire.BytesType), "newer")
				r.UserInformation.Address = &acv3.PostalAddress{Country: "US"}
				r.UserInformation.Address.ProtoReflect().SetUnknown(newer)
				r.UserInformation.ProtoReflect().SetUnknown(newer)
				return r
			}},
		{name: "paid by card", transports: googleTransports, want: "CONFIRMED",
			req: func(tr string) proto.Message { return createReq("spa", replaySpa, "paid-"+tr, "paid-"+tr, "tok_visa") }},
		{name: "payment pending, then settled", transports: googleTransports, want: "CONFIRMED", pending: true,
			req: func(tr string) proto.Message {
				return createReq("spa", replaySpa, "pending-"+tr, "pending-"+tr, "tok_visa")
			},
			before: func(t *testing.T, b *replayBundle, tr string) { b.proc.FailNext(1) }},
		{name: "awaiting the merchant, then confirmed", transports: googleTransports, want: "PENDING_MERCHANT_CONFIRMATION",
			req: func(tr string) proto.Message { return createReq("haircut", replayAsync, "async-"+tr, "async-"+tr, "") },
			between: func(t *testing.T, b *replayBundle, first proto.Message) {
				id := bookingOf(first).GetBookingId()
				if _, err := b.merchant.ConfirmBooking(b.admin(), &bsv1.ConfirmBookingRequest{BookingId: id, RequestId: "confirm-" + id}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "slot unavailable", transports: googleTransports, want: "SLOT_UNAVAILABLE",
			req: func(tr string) proto.Message {
				return createReq("haircut", storetest.SlotOneSpot, "full-"+tr, "full-"+tr, "")
			},
			before: func(t *testing.T, b *replayBundle, tr string) {
				if _, err := b.bookings.CreateBooking(b.google(), createReq("haircut", storetest.SlotOneSpot, "taker", "taker", "")); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "slot already booked by the user", transports: googleTransports, want: "SLOT_ALREADY_BOOKED_BY_USER",
			req: func(tr string) proto.Message {
				return createReq("haircut", storetest.SlotOther, "held-"+tr, "again-"+tr, "")
			},
			before: func(t *testing.T, b *replayBundle, tr string) {
				if _, err := b.bookings.CreateBooking(b.google(), createReq("haircut", storetest.SlotOther, "held-"+tr, "held-"+tr, "")); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "payment option not valid", transports: googleTransports, want: "PAYMENT_OPTION_NOT_VALID",
			req: func(tr string) proto.Message { return createReq("haircut", replayPromo, "promo-"+tr, "promo-"+tr, "") }},
		{name: "payment error", transports: googleTransports, want: "PAYMENT_ERROR",
			req: func(tr string) proto.Message { return createReq("spa", replaySpa, "no-card-"+tr, "no-card-"+tr, "") }},
		{name: "card type rejected", transports: googleTransports, want: "PAYMENT_ERROR_CARD_TYPE_REJECTED",
			req: func(tr string) proto.Message { return createReq("spa", replaySpa, "amex-"+tr, "amex-"+tr, "tok_amex") }},
		{name: "card declined", transports: googleTransports, want: "PAYMENT_ERROR_CARD_DECLINED",
			req: func(tr string) proto.Message {
				return createReq("spa", replaySpa, "declined-"+tr, "declined-"+tr, "tok_chargeDeclined")
			}},
		{name: "merchant: cart payment awaited, then collected", transports: merchantTransports, want: "PENDING_MERCHANT_CONFIRMATION",
			req: func(tr string) proto.Message {
				return merchantReq(replayCart, "cart-"+tr, "CART", "cart-"+tr)
			},
			between: func(t *testing.T, b *replayBundle, first proto.Message) {
				r := first.(*bsv1.CreateMerchantBookingResponse)
				if _, err := b.merchant.UpdateCartPayment(b.admin(), &bsv1.UpdateCartPaymentRequest{BookingId: r.GetBooking().GetBookingId(),
					PaymentId: r.GetPaymentId(), Status: "COLLECTED", Amount: &acv3.Price{PriceMicros: 15000000, CurrencyCode: "USD"}, Reference: "shop-1"}); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "merchant: over the booking limit", transports: merchantTransports, want: "USER_OVER_BOOKING_LIMIT",
			req: func(tr string) proto.Message {
				return merchantReq(replayCart, "limit-"+tr, "CART", "second-"+tr)
			},
			before: func(t *testing.T, b *replayBundle, tr string) {
				if _, err := b.merchant.CreateMerchantBooking(b.admin(), merchantReq(replayAsync, "limit-"+tr, "CART", "first-"+tr)); err != nil {
					t.Fatal(err)
				}
			}},
	}
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		b := replaySetup(t, st)
		for _, c := range cases {
			for _, tr := range c.transports {
				t.Run(c.name+"/"+tr.name, func(t *testing.T) {
					if c.before != nil {
						c.before(t, b, tr.name)
					}
					req := c.req(tr.name)
					first, err := tr.call(t, b, req)
					if c.pending {
						if status.Code(err) != codes.Unavailable {
							t.Fatalf("with the processor down: %v, want Unavailable", err)
						}
						first, err = tr.call(t, b, req)
					}
					if err != nil {
						t.Fatal(err)
					}
					if got := outcome(first.msg); got != c.want {
						t.Fatalf("first answer %v: %s, want %s", first.msg, got, c.want)
					}
					if c.between != nil {
						c.between(t, b, first.msg)
					}
					replay, err := tr.call(t, b, req)
					if err != nil {
						t.Fatal(err)
					}
					if !proto.Equal(first.msg, replay.msg) {
						t.Errorf("replay answered\n%v\nthe first call\n%v", replay.msg, first.msg)
					}
					if replay.body != first.body {
						t.Errorf("replay answered\n%s\nthe first call\n%s", replay.body, first.body)
					}
				})
			}
		}
	})
}
