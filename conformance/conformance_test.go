package conformance_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bookingserver/bookingserver/booking"
	"github.com/bookingserver/bookingserver/conformance"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

const (
	user, password = "google", "s3cret"
	examples       = "../examples/feeds"
)

// clock is before the example feed's first slot (2026-11-23), so the tests do not
// depend on today's date.
var clock = time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)

// fakeProcessor approves every payment, so that slots needing a card book too.
type fakeProcessor struct{}

func (fakeProcessor) Name() string { return "fake" }
func (fakeProcessor) Charge(_ context.Context, r booking.ChargeRequest) (booking.Transaction, error) {
	return booking.Transaction{ID: "ch_" + r.IdempotencyKey, Amount: r.Amount}, nil
}
func (fakeProcessor) Authorize(_ context.Context, r booking.ChargeRequest) (booking.Transaction, error) {
	return booking.Transaction{ID: "au_" + r.IdempotencyKey, Amount: r.Amount}, nil
}
func (fakeProcessor) Capture(_ context.Context, r booking.CaptureRequest) (booking.Transaction, error) {
	return booking.Transaction{ID: r.AuthorizationID, Amount: r.Amount}, nil
}
func (fakeProcessor) Void(_ context.Context, r booking.VoidRequest) (booking.Transaction, error) {
	return booking.Transaction{ID: r.AuthorizationID}, nil
}
func (fakeProcessor) SaveCard(_ context.Context, r booking.SaveCardRequest) (booking.SavedCard, error) {
	return booking.SavedCard{CustomerID: "cus_" + r.IdempotencyKey, PaymentMethodID: "pm_" + r.IdempotencyKey}, nil
}
func (fakeProcessor) ChargeSaved(_ context.Context, r booking.ChargeSavedRequest) (booking.Transaction, error) {
	return booking.Transaction{ID: "ch_" + r.IdempotencyKey, Amount: r.Amount}, nil
}
func (fakeProcessor) Refund(_ context.Context, r booking.RefundRequest) (booking.Transaction, error) {
	return booking.Transaction{ID: "re_" + r.IdempotencyKey, Amount: r.Amount}, nil
}

// catalog is the example merchant and service feeds (merchant-1 has an 8.875 % tax).
func catalog(t *testing.T) *conformance.Catalog {
	t.Helper()
	c, err := conformance.LoadCatalog(filepath.Join(examples, "merchants.json"), filepath.Join(examples, "services.json"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startServer serves the example feeds on loopback, on bbolt: the tests that use it
// check the checker against faults made on the client side, not the store
// (TestConformancePasses runs on each store).
func startServer(t *testing.T) *server.Server {
	t.Helper()
	return startServerOn(t, storetest.New(t))
}

// startServerOn serves the example feeds, loaded into st.
func startServerOn(t *testing.T, st store.Backend) *server.Server {
	t.Helper()
	for _, f := range []struct {
		kind bsv1.FeedKind
		file string
	}{
		{bsv1.FeedKind_FEED_KIND_MERCHANT, "merchants.json"},
		{bsv1.FeedKind_FEED_KIND_SERVICE, "services.json"},
		{bsv1.FeedKind_FEED_KIND_AVAILABILITY, "availability.json"},
	} {
		data, err := os.ReadFile(filepath.Join(examples, f.file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.LoadFeed(t.Context(), f.kind, data); err != nil {
			t.Fatalf("load %s: %v", f.file, err)
		}
	}
	core, err := booking.New(booking.Config{Store: st, Processor: fakeProcessor{}, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: user, BasicPassword: password},
	}, server.Deps{Bookings: core, Feeds: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Shutdown() })
	return srv
}

func loadSlots(t *testing.T) []*acv3.Availability {
	t.Helper()
	slots, err := conformance.LoadSlots(filepath.Join(examples, "availability.json"), conformance.SlotFilter{After: clock.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) < 100 {
		t.Fatalf("only %d slots in the example feed", len(slots))
	}
	return slots
}

func clients(t *testing.T, srv *server.Server, auth conformance.Auth) map[string]conformance.Client {
	t.Helper()
	g, err := conformance.NewGRPC(srv.GRPCAddr(), auth, false)
	if err != nil {
		t.Fatal(err)
	}
	r := conformance.NewREST("http://"+srv.HTTPAddr(), auth, false)
	t.Cleanup(func() { g.Close(); r.Close() })
	return map[string]conformance.Client{"rest": r, "grpc": g}
}

func logReport(t *testing.T, rep *conformance.Report) {
	t.Helper()
	var b strings.Builder
	_ = rep.WriteText(&b)
	t.Log("\n" + b.String())
}

// TestConformancePasses runs every scenario over REST and gRPC against our server with
// the example feeds; every check must pass.
func TestConformancePasses(t *testing.T) {
	t.Parallel()
	slots := loadSlots(t)
	storetest.Each(t, func(t *testing.T, st store.Backend) {
		for name, c := range clients(t, startServerOn(t, st), conformance.Auth{User: user, Password: password}) {
			t.Run(name, func(t *testing.T) {
				rep := conformance.Run(t.Context(), conformance.Config{Client: c, Target: name, Slots: slots, NumSlots: 10, Catalog: catalog(t)})
				logReport(t, rep)
				if !rep.OK() {
					t.Fatal(rep.Summary())
				}
				if len(rep.Checks) != 11 {
					t.Errorf("%d checks ran, want 11", len(rep.Checks))
				}
			})
		}
	})
}

// TestWrongPassword: health fails with the server's reason; nothing else runs.
func TestWrongPassword(t *testing.T) {
	t.Parallel()
	slots := loadSlots(t)
	for name, c := range clients(t, startServer(t), conformance.Auth{User: user, Password: "wrong"}) {
		t.Run(name, func(t *testing.T) {
			rep := conformance.Run(t.Context(), conformance.Config{Client: c, Target: name, Slots: slots})
			logReport(t, rep)
			if rep.OK() || rep.Checks[0].Result != conformance.Fail {
				t.Fatalf("want a failed health check: %s", rep.Summary())
			}
			if why := rep.Checks[0].Reason; !strings.Contains(why, "HealthCheck failed") ||
				!(strings.Contains(why, "401") || strings.Contains(why, "Unauthenticated")) {
				t.Errorf("reason %q does not say the credentials were refused", why)
			}
			for _, c := range rep.Checks[1:] {
				if c.Result != conformance.Skip {
					t.Errorf("%s: %s, want skip", c.Name, c.Result)
				}
			}
		})
	}
}

// forgetfulClient stands for a server that ignores idempotency tokens: each replay
// reaches it as a new request.
type forgetfulClient struct {
	conformance.Client
	mu   sync.Mutex
	seen map[string]int
}

func (f *forgetfulClient) CreateBooking(ctx context.Context, req *acv3.CreateBookingRequest) (*acv3.CreateBookingResponse, error) {
	f.mu.Lock()
	n := f.seen[req.GetIdempotencyToken()]
	f.seen[req.GetIdempotencyToken()]++
	f.mu.Unlock()
	if n > 0 {
		req = &acv3.CreateBookingRequest{Slot: req.GetSlot(), UserInformation: req.GetUserInformation(),
			PaymentProcessingParameters: req.GetPaymentProcessingParameters(), IdempotencyToken: req.GetIdempotencyToken() + "-again"}
	}
	return f.Client.CreateBooking(ctx, req)
}

// TestDetectsIgnoredIdempotency: the replay and list checks fail with a clear reason.
func TestDetectsIgnoredIdempotency(t *testing.T) {
	t.Parallel()
	c := clients(t, startServer(t), conformance.Auth{User: user, Password: password})["rest"]
	rep := conformance.Run(t.Context(), conformance.Config{Client: &forgetfulClient{Client: c, seen: map[string]int{}}, Slots: loadSlots(t), NumSlots: 3})
	logReport(t, rep)
	failed := map[string]string{}
	for _, c := range rep.Checks {
		if c.Result == conformance.Fail {
			failed[c.Name] = c.Reason
		}
	}
	if !strings.Contains(failed["idempotent_replay"], "answered differently") {
		t.Errorf("idempotent_replay: %q", failed["idempotent_replay"])
	}
	if rep.OK() {
		t.Error("the run passed")
	}
}

// cancelledListingClient stands for a server whose ListBookings still answers the
// bookings it cancelled (with status CANCELED), as ours did.
type cancelledListingClient struct {
	conformance.Client
	mu        sync.Mutex
	cancelled []*acv3.Booking
}

func (c *cancelledListingClient) UpdateBooking(ctx context.Context, req *acv3.UpdateBookingRequest) (*acv3.UpdateBookingResponse, error) {
	resp, err := c.Client.UpdateBooking(ctx, req)
	if b := resp.GetBooking(); err == nil && b.GetStatus() == acv3.BookingStatus_CANCELED {
		c.mu.Lock()
		c.cancelled = append(c.cancelled, b)
		c.mu.Unlock()
	}
	return resp, err
}

func (c *cancelledListingClient) ListBookings(ctx context.Context, req *acv3.ListBookingsRequest) (*acv3.ListBookingsResponse, error) {
	resp, err := c.Client.ListBookings(ctx, req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		resp.Bookings = append(resp.Bookings, c.cancelled...)
	}
	return resp, err
}

// TestDetectsListedCancelledBooking: list_after_cancel fails when a cancelled booking
// is still listed.
func TestDetectsListedCancelledBooking(t *testing.T) {
	t.Parallel()
	c := clients(t, startServer(t), conformance.Auth{User: user, Password: password})["rest"]
	rep := conformance.Run(t.Context(), conformance.Config{Client: &cancelledListingClient{Client: c}, Slots: loadSlots(t), NumSlots: 3})
	logReport(t, rep)
	for _, c := range rep.Checks {
		if c.Name == "list_after_cancel" {
			if c.Result != conformance.Fail || !strings.Contains(c.Reason, "still listed") {
				t.Errorf("list_after_cancel: %s %q", c.Result, c.Reason)
			}
			return
		}
	}
	t.Error("no list_after_cancel check")
}

// untaxedClient stands for a server that charges the bare price and answers no tax, as
// ours did.
type untaxedClient struct{ conformance.Client }

func (c untaxedClient) CreateBooking(ctx context.Context, req *acv3.CreateBookingRequest) (*acv3.CreateBookingResponse, error) {
	resp, err := c.Client.CreateBooking(ctx, req)
	if pi := resp.GetBooking().GetPaymentInformation(); pi != nil {
		pi.TaxAmount = nil
	}
	return resp, err
}

// TestDetectsMissingTax: prepaid_tax fails when a prepaid booking at a taxed merchant
// answers no tax_amount.
func TestDetectsMissingTax(t *testing.T) {
	t.Parallel()
	c := clients(t, startServer(t), conformance.Auth{User: user, Password: password})["rest"]
	rep := conformance.Run(t.Context(), conformance.Config{Client: untaxedClient{c}, Slots: loadSlots(t), NumSlots: 10, Catalog: catalog(t)})
	for _, c := range rep.Checks {
		if c.Name == "prepaid_tax" {
			if c.Result != conformance.Fail || !strings.Contains(c.Reason, "tax_amount") {
				t.Errorf("prepaid_tax: %s %q", c.Result, c.Reason)
			}
			return
		}
	}
	t.Error("no prepaid_tax check")
}
