package notifier_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/bookingserver/bookingserver/notifier"
)

var epoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func TestBackoffSchedule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		failures int
		rand     float64
		want     time.Duration
	}{
		{1, 0.5, time.Second},
		{2, 0.5, 2 * time.Second},
		{4, 0.5, 8 * time.Second},
		{10, 0.5, 512 * time.Second},
		{11, 0.5, 10 * time.Minute}, // capped
		{60, 0.5, 10 * time.Minute}, // no overflow
		{1, 0, 900 * time.Millisecond},
		{1, 0.999999, 1100 * time.Millisecond},
		{11, 0, 9 * time.Minute},
	} {
		b := notifier.DefaultBackoff()
		b.Now = func() time.Time { return epoch }
		b.Rand = func() float64 { return tc.rand }
		got := b.NextAttempt(tc.failures).Sub(epoch)
		if d := got - tc.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("failures %d, rand %v: delay %v, want %v", tc.failures, tc.rand, got, tc.want)
		}
	}
}

func TestBackoffJitterWithinTenPercent(t *testing.T) {
	t.Parallel()
	b := notifier.DefaultBackoff()
	b.Now = func() time.Time { return epoch }
	for range 1000 {
		d := b.NextAttempt(3).Sub(epoch)
		if d < 3600*time.Millisecond || d > 4400*time.Millisecond {
			t.Fatalf("delay %v outside 4 s ± 10 %%", d)
		}
	}
}

// fixedPolicy retries a minute later.
type fixedPolicy struct{}

func (fixedPolicy) NextAttempt(int) time.Time { return epoch.Add(time.Minute) }

func tokenErr(code int) error {
	return &url.Error{Op: "Patch", URL: "https://x", Err: &oauth2.RetrieveError{Response: &http.Response{StatusCode: code}}}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		err      error
		failures int
		want     notifier.Kind
	}{
		{"2xx", nil, 0, notifier.Delivered},
		{"2xx after failures", nil, 19, notifier.Delivered},
		{"503", &notifier.HTTPError{StatusCode: 503}, 0, notifier.Retry},
		{"500", &notifier.HTTPError{StatusCode: 500}, 3, notifier.Retry},
		{"429", &notifier.HTTPError{StatusCode: 429}, 0, notifier.Retry},
		{"408", &notifier.HTTPError{StatusCode: 408}, 0, notifier.Retry},
		{"400", &notifier.HTTPError{StatusCode: 400}, 0, notifier.Dead},
		{"404", &notifier.HTTPError{StatusCode: 404}, 0, notifier.Dead},
		{"403 wrapped", fmt.Errorf("deliver: %w", &notifier.HTTPError{StatusCode: 403}), 0, notifier.Dead},
		{"timeout", &url.Error{Op: "Patch", Err: context.DeadlineExceeded}, 0, notifier.Retry},
		{"connection refused", &url.Error{Op: "Patch", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, 0, notifier.Retry},
		{"token 400 invalid_grant", tokenErr(400), 0, notifier.Dead},
		{"token 401", tokenErr(401), 0, notifier.Dead},
		{"token 429", tokenErr(429), 0, notifier.Retry},
		{"token 503", tokenErr(503), 0, notifier.Retry},
		{"token no response", &oauth2.RetrieveError{}, 0, notifier.Retry},
		{"permanent", notifier.Permanent(errors.New("bad record")), 0, notifier.Dead},
		{"last attempt", &notifier.HTTPError{StatusCode: 503}, 19, notifier.Dead},
		{"one before last", &notifier.HTTPError{StatusCode: 503}, 18, notifier.Retry},
	} {
		got := notifier.Decide(tc.err, tc.failures, 20, fixedPolicy{})
		if got.Kind != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got.Kind, tc.want)
		}
		if got.Kind == notifier.Retry && !got.Next.Equal(epoch.Add(time.Minute)) {
			t.Errorf("%s: next %v, want the policy's", tc.name, got.Next)
		}
	}
}
