package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// grpc-gateway answers a path served under another method with 501 Unimplemented (its
// default maps 405 to that code); HTTP says 405 with an Allow header naming the methods
// that would work. The gateway does not expose its routes, so the methods are found by
// asking the mux itself: each candidate method is routed with a probe in the context,
// and probeMiddleware (which runs after routing, before any handler) records the match
// instead of serving it. Probes run only on the error path.

// probeKey marks a request that only asks whether a route exists.
type probeKey struct{}

// probe records whether the probed request was routed to a handler.
type probe struct{ matched bool }

// allowCandidates are the methods the REST routes use, in Allow's order.
var allowCandidates = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// probeMiddleware stops a probe at its handler and reports the match.
func probeMiddleware(next runtime.HandlerFunc) runtime.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
		if p, ok := r.Context().Value(probeKey{}).(*probe); ok {
			p.matched = true
			return
		}
		next(w, r, params)
	}
}

// routingError answers a method not allowed with 405 and Allow, and leaves other
// routing errors (404, 400) to the gateway's default.
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, code int) {
	if _, probing := r.Context().Value(probeKey{}).(*probe); probing {
		return // a probe for another method: no answer is wanted
	}
	if code != http.StatusMethodNotAllowed {
		runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, code)
		return
	}
	allow := allowedMethods(mux, r)
	msg := fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))
	body, err := m.Marshal(status.New(codes.Unimplemented, msg).Proto())
	if err != nil {
		body = []byte(`{"code":12,"message":"method not allowed"}`)
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	w.Header().Set("Content-Type", m.ContentType(nil))
	w.WriteHeader(http.StatusMethodNotAllowed)
	_, _ = w.Write(body)
}

// allowedMethods routes r under each candidate method as a probe and returns those the
// mux would serve.
func allowedMethods(mux *runtime.ServeMux, r *http.Request) []string {
	var allow []string
	for _, method := range allowCandidates {
		if method == r.Method {
			continue
		}
		p := &probe{}
		pr := r.Clone(context.WithValue(r.Context(), probeKey{}, p))
		pr.Method, pr.Body, pr.ContentLength = method, http.NoBody, 0
		mux.ServeHTTP(discardResponse{}, pr)
		if p.matched {
			allow = append(allow, method)
		}
	}
	return allow
}

// discardResponse is the ResponseWriter of a probe, which writes nothing.
type discardResponse struct{}

func (discardResponse) Header() http.Header         { return http.Header{} }
func (discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (discardResponse) WriteHeader(int)             {}
