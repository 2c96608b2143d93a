package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Result is a check's outcome.
type Result string

// The outcomes of a check.
const (
	Pass Result = "pass"
	Fail Result = "fail"
	// Skip: the check could not run because an earlier one failed (the run fails).
	Skip Result = "skip"
)

// Check is one scenario's outcome.
type Check struct {
	// Name is the scenario, e.g. "create_booking".
	Name string `json:"name"`
	// Result is pass, fail or skip.
	Result Result `json:"result"`
	// Reason says what was seen: counts on a pass, the first problems on a failure.
	Reason string `json:"reason"`
	// Duration is how long the check took.
	Duration time.Duration `json:"duration_ns"`
}

// Report is a whole run.
type Report struct {
	// Target is the server called ("http://127.0.0.1:8080" or "grpc://host:port").
	Target string `json:"target"`
	// RunID tags the run's idempotency tokens and its test user.
	RunID string `json:"run_id"`
	// Checks are in the order they ran.
	Checks []Check `json:"checks"`
	// Passed, Failed and Skipped count the checks.
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// OK reports whether every check passed.
func (r *Report) OK() bool { return r.Failed == 0 && r.Skipped == 0 }

func (r *Report) add(c Check) {
	r.Checks = append(r.Checks, c)
	switch c.Result {
	case Pass:
		r.Passed++
	case Fail:
		r.Failed++
	default:
		r.Skipped++
	}
}

// Summary is the one-line verdict.
func (r *Report) Summary() string {
	verdict := "PASS"
	if !r.OK() {
		verdict = "FAIL"
	}
	return fmt.Sprintf("%s: %d passed, %d failed, %d skipped against %s (run %s)", verdict, r.Passed, r.Failed, r.Skipped, r.Target, r.RunID)
}

// WriteText prints one line per check and the summary.
func (r *Report) WriteText(w io.Writer) error {
	for _, c := range r.Checks {
		if _, err := fmt.Fprintf(w, "%-4s %-22s %s (%s)\n", map[Result]string{Pass: "ok", Fail: "FAIL", Skip: "skip"}[c.Result], c.Name, c.Reason, c.Duration.Round(time.Millisecond)); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, r.Summary())
	return err
}

// WriteJSON prints the report as one JSON document with the summary line.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*Report
		OK      bool   `json:"ok"`
		Summary string `json:"summary"`
	}{r, r.OK(), r.Summary()})
}
