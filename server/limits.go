package server

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Limits bound what one HTTP client can hold: time for a request to arrive, for its
// answer to leave, for an idle keep-alive connection to wait, and bytes of headers and
// body. Without them a client sending a body at 1 byte/s, or keeping thousands of idle
// connections, holds server resources for as long as it likes, and a 100 MB JSON body
// is decoded into several times its size of memory.
type Limits struct {
	// ReadTimeout bounds reading a whole request, headers and body: a trickling body
	// is cut (the connection closed) when it passes. Feed uploads get FeedReadTimeout.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer, from the end of the request headers.
	// Backups stream for as long as they need.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no new request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps request line and headers (431 beyond).
	MaxHeaderBytes int
	// MaxBodyBytes caps a request body on every route but feed uploads (413 beyond).
	// Google's calls need about 1 MB; gRPC caps messages at 4 MB.
	MaxBodyBytes int64
	// FeedReadTimeout bounds reading a feed upload (up to maxFeedBytes).
	FeedReadTimeout time.Duration
}

// DefaultLimits are the limits of `serve`.
func DefaultLimits() Limits {
	return Limits{
		ReadTimeout:     30 * time.Second,
		WriteTimeout:    60 * time.Second,
		IdleTimeout:     90 * time.Second,
		MaxHeaderBytes:  64 << 10,
		MaxBodyBytes:    2 << 20,
		FeedReadTimeout: 10 * time.Minute,
	}
}

// withDefaults fills each zero field from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *time.Duration }{
		{&l.ReadTimeout, &d.ReadTimeout}, {&l.WriteTimeout, &d.WriteTimeout},
		{&l.IdleTimeout, &d.IdleTimeout}, {&l.FeedReadTimeout, &d.FeedReadTimeout},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	return l
}

// ownBodyCap reports whether a route caps its body itself (feed uploads, documented
// at maxFeedBytes).
func ownBodyCap(r *http.Request) bool {
	return r.Method == http.MethodPost && (strings.HasPrefix(r.URL.Path, "/v1/feeds/") || r.URL.Path == "/ui/feeds")
}

// capBody enforces MaxBodyBytes before any handler reads the body, and reports false
// after answering 413. A declared length over the cap is refused without reading (a
// declared length within it is all net/http lets a handler read); a chunked body is
// read up to the cap here, so every handler, the gateway's decoder included, sees a
// whole body within the cap or nothing.
func (l Limits) capBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Body == nil || r.Body == http.NoBody || ownBodyCap(r) {
		return true
	}
	if r.ContentLength > l.MaxBodyBytes {
		l.tooLarge(w)
		return false
	}
	if r.ContentLength >= 0 {
		return true
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, l.MaxBodyBytes+1))
	if err != nil {
		writeStatus(w, status.New(codes.InvalidArgument, "request body: "+err.Error()))
		return false
	}
	if int64(len(data)) > l.MaxBodyBytes {
		l.tooLarge(w)
		return false
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
	return true
}

// tooLarge answers 413 and closes the connection, so the rest of the body is not read.
func (l Limits) tooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	body, _ := JSONOptions.Marshal(status.New(codes.ResourceExhausted,
		fmt.Sprintf("request body larger than %d bytes", l.MaxBodyBytes)).Proto())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = w.Write(body)
}
