package notifier

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Kind is what happens to a record after an attempt.
type Kind int

const (
	// Delivered: Google accepted it (2xx); the record is deleted.
	Delivered Kind = iota + 1
	// Retry: a transient failure; the record is tried again at Outcome.Next.
	Retry
	// Dead: a permanent failure, or too many; the record goes to the dead letters.
	Dead
)

func (k Kind) String() string {
	switch k {
	case Delivered:
		return "delivered"
	case Retry:
		return "retry"
	case Dead:
		return "dead"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Outcome is the decision about one attempt.
type Outcome struct {
	Kind Kind
	// Next is when to try again (Kind Retry).
	Next time.Time
}

// HTTPError is a non-2xx answer of the Maps Booking API.
type HTTPError struct {
	StatusCode int
	// Body is the start of Google's error JSON.
	Body string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("maps booking API: HTTP %d: %s", e.StatusCode, e.Body)
}

// PermanentError marks an error that no retry can fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so that Decide dead-letters the record at once.
func Permanent(err error) error { return &PermanentError{Err: err} }

// Decide is the delivery policy, in one place. err is the attempt's error (nil for a
// 2xx); failures is the record's failure count before this attempt.
//   - nil → Delivered.
//   - Permanent(err), HTTP 4xx other than 408 and 429, an OAuth2 token endpoint's
//     4xx other than 408 and 429 (bad key, revoked account) → Dead.
//   - anything else (429, 5xx, timeouts, connection errors) → Retry at
//     policy.NextAttempt(failures+1), or Dead once failures+1 ≥ maxAttempts.
func Decide(err error, failures, maxAttempts int, policy RetryPolicy) Outcome {
	if err == nil {
		return Outcome{Kind: Delivered}
	}
	if permanent(err) || failures+1 >= maxAttempts {
		return Outcome{Kind: Dead}
	}
	return Outcome{Kind: Retry, Next: policy.NextAttempt(failures + 1)}
}

// permanent reports whether retrying cannot help.
func permanent(err error) bool {
	var pe *PermanentError
	if errors.As(err, &pe) {
		return true
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return !retryableStatus(he.StatusCode)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode < 500 && !retryableStatus(re.Response.StatusCode)
	}
	return false
}

// retryableStatus: 408, 429 and 5xx may succeed later; other non-2xx will not.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// httpStatus is the API's status in err, 0 when no answer came.
func httpStatus(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode
	}
	return 0
}
