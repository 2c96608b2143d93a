package feeds

import (
	"fmt"
	"strings"
)

// maxProblems bounds the problems a ValidationError keeps: a systematic mistake in
// a million-slot feed must not cost a million messages of memory.
const maxProblems = 1000

// maxListed bounds the problems ValidationError.Error lists; the rest are counted.
const maxListed = 20

// Problem is one thing wrong with one record of a feed.
type Problem struct {
	// Feed is "merchant", "service" or "availability".
	Feed string
	// Record locates the record by position and ids, e.g.
	// `service[3] merchant_id="m1" service_id="haircut"`, or "metadata".
	Record string
	// Field is the path of the offending field, e.g. "deposit.deposit.currency_code".
	Field string
	// Message says what is wrong.
	Message string
}

// String formats the problem on one line.
func (p Problem) String() string {
	return fmt.Sprintf("%s feed: %s: %s: %s", p.Feed, p.Record, p.Field, p.Message)
}

// ValidationError lists every problem found in a feed, so that a partner can fix
// them all in one round instead of one per upload.
type ValidationError struct {
	// Problems are the problems found, in feed order, at most maxProblems of them.
	Problems []Problem
	// Dropped counts the problems found beyond the ones kept in Problems.
	Dropped int
}

// Error lists the first problems and counts the rest.
func (e *ValidationError) Error() string {
	total := len(e.Problems) + e.Dropped
	if total == 1 {
		return e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d feed problems:", total)
	for _, p := range e.Problems[:min(len(e.Problems), maxListed)] {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	if rest := total - min(len(e.Problems), maxListed); rest > 0 {
		fmt.Fprintf(&b, "\n\t... and %d more", rest)
	}
	return b.String()
}

// problems collects the problems of one feed.
type problems struct {
	feed string
	err  ValidationError
}

// add records a problem of record at field. The record is a fmt.Stringer so that
// naming it costs nothing until there is a problem: most records have none.
func (ps *problems) add(record fmt.Stringer, field, format string, args ...any) {
	if len(ps.err.Problems) == maxProblems {
		ps.err.Dropped++
		return
	}
	ps.err.Problems = append(ps.err.Problems, Problem{
		Feed: ps.feed, Record: record.String(), Field: field, Message: fmt.Sprintf(format, args...),
	})
}

// result is nil when nothing was found, or the *ValidationError.
func (ps *problems) result() error {
	if len(ps.err.Problems) == 0 {
		return nil
	}
	return &ps.err
}

// fieldIndex names element i of a repeated field: "payment_option[2]".
func fieldIndex(field string, i int) string {
	return fmt.Sprintf("%s[%d]", field, i)
}

// label is a record whose name is known in advance, such as "metadata".
type label string

// String returns the label.
func (l label) String() string { return string(l) }
