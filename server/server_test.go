package server_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
	"github.com/bookingserver/bookingserver/store/storetest"
)

const (
	testUser     = "google"
	testPassword = "s3cret"
	testAdmin    = "admin-token"
)

// bundle is a running server with clients for both listeners.
type bundle struct {
	store    store.Backend
	baseURL  string
	conn     *grpc.ClientConn
	bookings acv3.BookingServiceClient
	merchant bsv1.MerchantServiceClient
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupLimits(t, server.Limits{})
}

// setupLimits is setup with the HTTP limits given (zero fields take the defaults),
// on bbolt: the limits are the listeners', the store plays no part (eachStore runs a
// test on each store).
func setupLimits(t *testing.T, limits server.Limits) *bundle {
	t.Helper()
	return setupOn(t, storetest.New(t), limits)
}

// eachStore runs fn, as a parallel subtest, with a server over each store: bbolt, and
// Postgres when a database is given (storetest.Each).
func eachStore(t *testing.T, fn func(t *testing.T, b *bundle)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, st store.Backend) { fn(t, setupOn(t, st, server.Limits{})) })
}

// setupOn is setupLimits over st.
func setupOn(t *testing.T, st store.Backend, limits server.Limits) *bundle {
	t.Helper()
	storetest.LoadFixture(t, st)
	core, err := booking.New(booking.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, st, core, limits)
}

// serve starts a server of core over st, with the test credentials and limits, and
// connects to it.
func serve(t *testing.T, st store.Backend, core *booking.Service, limits server.Limits) *bundle {
	t.Helper()
	srv, err := server.New(server.Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Credentials: server.Credentials{BasicUser: testUser, BasicPassword: testPassword, AdminToken: testAdmin},
		Limits:      limits,
	}, server.Deps{Bookings: core, Feeds: st, Notifications: st.Outbox()})
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
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &bundle{
		store:    st,
		baseURL:  "http://" + srv.HTTPAddr(),
		conn:     conn,
		bookings: acv3.NewBookingServiceClient(conn),
		merchant: bsv1.NewMerchantServiceClient(conn),
	}
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// do sends one HTTP request and returns status, headers and body.
func (b *bundle) do(t *testing.T, method, path, authorization, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, b.baseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

func TestRESTAuthentication(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		good, bad := basic(testUser, testPassword), basic(testUser, "wrong")
		tests := []struct {
			name, method, path, auth string
			wantCode                 int
			wantChallenge            string
		}{
			{"health POST", "POST", "/v3/HealthCheck", good, 200, ""},
			{"health GET", "GET", "/v3/HealthCheck", good, 200, ""},
			{"trailing slash", "POST", "/v3/HealthCheck/", good, 200, ""},
			{"wrong password", "POST", "/v3/HealthCheck", bad, 401, "Basic"},
			{"wrong user", "POST", "/v3/HealthCheck", basic("x", testPassword), 401, "Basic"},
			{"no credentials", "POST", "/v3/HealthCheck", "", 401, "Basic"},
			{"garbage header", "POST", "/v3/HealthCheck", "Basic !!!", 401, "Basic"},
			{"bearer is not basic", "POST", "/v3/HealthCheck", "Bearer " + testAdmin, 401, "Basic"},
			{"unknown RPC", "POST", "/v3/NoSuchMethod", good, 404, ""},
			{"healthz open", "GET", "/healthz", "", 200, ""},
			{"merchant API needs bearer", "GET", "/v1/bookings/x", good, 401, "Bearer"},
			{"merchant API wrong token", "GET", "/v1/bookings/x", "Bearer nope", 401, "Bearer"},
			{"merchant API token", "GET", "/v1/bookings/x", "Bearer " + testAdmin, 404, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, hdr, body := b.do(t, tt.method, tt.path, tt.auth, "{}")
				if code != tt.wantCode {
					t.Fatalf("status %d, want %d (body %s)", code, tt.wantCode, body)
				}
				if got := hdr.Get("WWW-Authenticate"); !strings.HasPrefix(got, tt.wantChallenge) || (tt.wantChallenge == "") != (got == "") {
					t.Errorf("WWW-Authenticate %q, want prefix %q", got, tt.wantChallenge)
				}
			})
		}
	})
}

func TestRESTHealthCheckBody(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		code, hdr, body := b.do(t, "GET", "/v3/HealthCheck", basic(testUser, testPassword), "")
		if code != 200 || strings.TrimSpace(body) != "{}" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Errorf("got %d %q %q", code, hdr.Get("Content-Type"), body)
		}
		if hdr.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
	})
}

func TestGRPCAuthentication(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		withAuth := func(v string) context.Context {
			return metadata.AppendToOutgoingContext(context.Background(), "authorization", v)
		}
		tests := []struct {
			name string
			ctx  context.Context
			want codes.Code
		}{
			{"good", withAuth(basic(testUser, testPassword)), codes.OK},
			{"wrong password", withAuth(basic(testUser, "nope")), codes.Unauthenticated},
			{"missing", context.Background(), codes.Unauthenticated},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := b.bookings.HealthCheck(tt.ctx, &acv3.HealthCheckRequest{})
				if status.Code(err) != tt.want {
					t.Errorf("got %v, want %v", err, tt.want)
				}
			})
		}
		// The merchant service wants the bearer token, not Google's credentials.
		_, err := b.merchant.GetBooking(withAuth(basic(testUser, testPassword)), &bsv1.GetBookingRequest{BookingId: "x"})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("merchant API with basic auth: %v", err)
		}
		_, err = b.merchant.GetBooking(withAuth("Bearer "+testAdmin), &bsv1.GetBookingRequest{BookingId: "x"})
		if status.Code(err) != codes.NotFound {
			t.Errorf("merchant API with token: %v, want NotFound", err)
		}
		// Health stays open on a loopback listener.
		if _, err := healthpb.NewHealthClient(b.conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
			t.Errorf("grpc.health.v1 on loopback: %v", err)
		}
	})
}

// TestNotYetImplemented: methods without an implementation answer Unimplemented (HTTP
// 501), never a wrong answer.
func TestNotYetImplemented(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bundle) {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", basic(testUser, testPassword))
		if _, err := b.bookings.CreateLease(ctx, &acv3.CreateLeaseRequest{}); status.Code(err) != codes.Unimplemented {
			t.Errorf("gRPC CreateLease: %v", err)
		}
		if code, _, body := b.do(t, "POST", "/v3/CreateLease", basic(testUser, testPassword), "{}"); code != 501 {
			t.Errorf("REST CreateLease: %d %s", code, body)
		}
	})
}

func TestRefusesPlaintextOnPublicAddress(t *testing.T) {
	t.Parallel()
	_, err := server.New(server.Config{GRPCAddr: "0.0.0.0:0", HTTPAddr: "127.0.0.1:0"}, server.Deps{})
	if err == nil || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("want a refusal naming --insecure, got %v", err)
	}
	if _, err := server.New(server.Config{GRPCAddr: "0.0.0.0:0", HTTPAddr: "127.0.0.1:0", Insecure: true}, server.Deps{}); err != nil {
		t.Fatalf("--insecure: %v", err)
	}
}
