package conformance

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Client is the part of Google's v3 BookingService the scenarios call. REST and gRPC
// implement it, so every scenario runs unchanged over either.
type Client interface {
	HealthCheck(ctx context.Context) error
	BatchAvailabilityLookup(ctx context.Context, req *acv3.BatchAvailabilityLookupRequest) (*acv3.BatchAvailabilityLookupResponse, error)
	CreateBooking(ctx context.Context, req *acv3.CreateBookingRequest) (*acv3.CreateBookingResponse, error)
	UpdateBooking(ctx context.Context, req *acv3.UpdateBookingRequest) (*acv3.UpdateBookingResponse, error)
	GetBookingStatus(ctx context.Context, req *acv3.GetBookingStatusRequest) (*acv3.GetBookingStatusResponse, error)
	ListBookings(ctx context.Context, req *acv3.ListBookingsRequest) (*acv3.ListBookingsResponse, error)
	// Close releases connections.
	Close() error
}

// Auth is the HTTP basic credentials Google calls with.
type Auth struct {
	User, Password string
}

func (a Auth) header() string {
	if a.User == "" && a.Password == "" {
		return ""
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.User+":"+a.Password))
}

// restClient calls POST {base}/v3/<Method> with JSON bodies, as Google's REST client does
// (snake_case field names, int64 as strings).
type restClient struct {
	base string
	auth string
	http *http.Client
}

// NewREST returns a Client for the REST API at base ("https://host:port").
// insecureSkipVerify accepts any server certificate (self-signed test servers).
func NewREST(base string, auth Auth, insecureSkipVerify bool) Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if insecureSkipVerify {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --insecure-skip-verify
	}
	return &restClient{base: strings.TrimSuffix(base, "/"), auth: auth.header(), http: &http.Client{Transport: tr}}
}

var (
	marshalJSON   = protojson.MarshalOptions{UseProtoNames: true}
	unmarshalJSON = protojson.UnmarshalOptions{DiscardUnknown: true}
)

// call sends one request; a non-2xx answer is an error that quotes the status and the
// server's message.
func (c *restClient) call(ctx context.Context, httpMethod, method string, req, resp proto.Message) error {
	var body io.Reader
	if req != nil {
		raw, err := marshalJSON.Marshal(req)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", method, err)
		}
		body = bytes.NewReader(raw)
	}
	hr, err := http.NewRequestWithContext(ctx, httpMethod, c.base+"/v3/"+method, body)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		hr.Header.Set("Authorization", c.auth)
	}
	res, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", method, err)
	}
	if res.StatusCode/100 != 2 {
		return &HTTPError{Method: method, Status: res.StatusCode, Message: errorMessage(raw)}
	}
	if resp == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := unmarshalJSON.Unmarshal(raw, resp); err != nil {
		return fmt.Errorf("%s: decode answer: %w", method, err)
	}
	return nil
}

// HTTPError is a non-2xx REST answer.
type HTTPError struct {
	Method  string
	Status  int
	Message string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d %s", e.Method, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// errorMessage extracts "message" from a gateway error body, else a short prefix.
func errorMessage(body []byte) string {
	var st struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &st) == nil && st.Message != "" {
		return st.Message
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// HealthCheck sends GET /v3/HealthCheck, as Google does.
func (c *restClient) HealthCheck(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "HealthCheck", nil, nil)
}

func (c *restClient) BatchAvailabilityLookup(ctx context.Context, req *acv3.BatchAvailabilityLookupRequest) (*acv3.BatchAvailabilityLookupResponse, error) {
	resp := &acv3.BatchAvailabilityLookupResponse{}
	return resp, c.call(ctx, http.MethodPost, "BatchAvailabilityLookup", req, resp)
}

func (c *restClient) CreateBooking(ctx context.Context, req *acv3.CreateBookingRequest) (*acv3.CreateBookingResponse, error) {
	resp := &acv3.CreateBookingResponse{}
	return resp, c.call(ctx, http.MethodPost, "CreateBooking", req, resp)
}

func (c *restClient) UpdateBooking(ctx context.Context, req *acv3.UpdateBookingRequest) (*acv3.UpdateBookingResponse, error) {
	resp := &acv3.UpdateBookingResponse{}
	return resp, c.call(ctx, http.MethodPost, "UpdateBooking", req, resp)
}

func (c *restClient) GetBookingStatus(ctx context.Context, req *acv3.GetBookingStatusRequest) (*acv3.GetBookingStatusResponse, error) {
	resp := &acv3.GetBookingStatusResponse{}
	return resp, c.call(ctx, http.MethodPost, "GetBookingStatus", req, resp)
}

func (c *restClient) ListBookings(ctx context.Context, req *acv3.ListBookingsRequest) (*acv3.ListBookingsResponse, error) {
	resp := &acv3.ListBookingsResponse{}
	return resp, c.call(ctx, http.MethodPost, "ListBookings", req, resp)
}

func (c *restClient) Close() error { c.http.CloseIdleConnections(); return nil }

// grpcClient calls actionscenter.v3.BookingService over gRPC with basic credentials in
// the authorization metadata.
type grpcClient struct {
	conn *grpc.ClientConn
	c    acv3.BookingServiceClient
	auth string
}

// NewGRPC returns a Client for the gRPC API at target ("host:port"). A loopback target
// is called in plaintext, any other over TLS (insecureSkipVerify accepts any
// certificate).
func NewGRPC(target string, auth Auth, insecureSkipVerify bool) (Client, error) {
	creds := credentials.NewTLS(&tls.Config{InsecureSkipVerify: insecureSkipVerify, MinVersion: tls.VersionTLS12}) //nolint:gosec // asked for by --insecure-skip-verify
	if isLoopback(target) {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("gRPC target %q: %w", target, err)
	}
	return &grpcClient{conn: conn, c: acv3.NewBookingServiceClient(conn), auth: auth.header()}, nil
}

func isLoopback(target string) bool {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

func (g *grpcClient) ctx(ctx context.Context) context.Context {
	if g.auth == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", g.auth)
}

func (g *grpcClient) HealthCheck(ctx context.Context) error {
	_, err := g.c.HealthCheck(g.ctx(ctx), &acv3.HealthCheckRequest{})
	return err
}

func (g *grpcClient) BatchAvailabilityLookup(ctx context.Context, req *acv3.BatchAvailabilityLookupRequest) (*acv3.BatchAvailabilityLookupResponse, error) {
	return g.c.BatchAvailabilityLookup(g.ctx(ctx), req)
}

func (g *grpcClient) CreateBooking(ctx context.Context, req *acv3.CreateBookingRequest) (*acv3.CreateBookingResponse, error) {
	return g.c.CreateBooking(g.ctx(ctx), req)
}

func (g *grpcClient) UpdateBooking(ctx context.Context, req *acv3.UpdateBookingRequest) (*acv3.UpdateBookingResponse, error) {
	return g.c.UpdateBooking(g.ctx(ctx), req)
}

func (g *grpcClient) GetBookingStatus(ctx context.Context, req *acv3.GetBookingStatusRequest) (*acv3.GetBookingStatusResponse, error) {
	return g.c.GetBookingStatus(g.ctx(ctx), req)
}

func (g *grpcClient) ListBookings(ctx context.Context, req *acv3.ListBookingsRequest) (*acv3.ListBookingsResponse, error) {
	return g.c.ListBookings(g.ctx(ctx), req)
}

func (g *grpcClient) Close() error { return g.conn.Close() }
