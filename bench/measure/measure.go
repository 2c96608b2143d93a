// Package measure runs the load benchmarks' phases: an operation on a number of
// concurrent clients for a fixed time, with ops/s and latency percentiles, and
// describes the machine they ran on.
package measure

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one measured phase.
type Result struct {
	Name     string
	Ops      int
	Elapsed  time.Duration
	P50, P99 time.Duration
	// AllOps counts the warm-up's operations too: the phase's whole work, for
	// costs measured over the whole phase (CPU time).
	AllOps int
	// latencies are the measured operations' latencies, sorted (for Combine).
	latencies []time.Duration
}

// OpsPerSec is the phase's throughput.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// Run runs op on clients goroutines for warm-up (d/6) + d and measures the last d;
// it prints the result on stderr. The first error of op ends the phase.
func Run(name string, clients int, d time.Duration, op func(i int) error) (Result, error) {
	warm := d / 6
	var (
		next     atomic.Int64
		firstErr atomic.Pointer[error]
		wg       sync.WaitGroup
		lat      = make([][]time.Duration, clients)
	)
	start := time.Now()
	from, until := start.Add(warm), start.Add(warm+d)
	for c := range clients {
		wg.Go(func() {
			for {
				t0 := time.Now()
				if t0.After(until) || firstErr.Load() != nil {
					return
				}
				if err := op(int(next.Add(1))); err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
				if t0.After(from) {
					lat[c] = append(lat[c], time.Since(t0))
				}
			}
		})
	}
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		return Result{}, fmt.Errorf("%s: %w", name, *p)
	}
	r := withLatencies(Result{Name: name, Elapsed: d, AllOps: int(next.Load())}, slices.Concat(lat...))
	fmt.Fprintf(os.Stderr, "%-38s %9.0f ops/s  p50 %8s  p99 %8s\n", name, r.OpsPerSec(), r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	return r, nil
}

// Combine is the phases rs of one kind, run apart (interleaved with another
// kind's, so that both meet the same drift of a shared machine), as one result
// named name: their operations over their summed measured time, and the
// percentiles of all their latencies.
func Combine(name string, rs ...Result) Result {
	c := Result{Name: name}
	var all []time.Duration
	for _, r := range rs {
		c.Elapsed += r.Elapsed
		c.AllOps += r.AllOps
		all = append(all, r.latencies...)
	}
	return withLatencies(c, all)
}

// withLatencies is r with its operations and percentiles from latencies.
func withLatencies(r Result, latencies []time.Duration) Result {
	slices.Sort(latencies)
	r.Ops, r.latencies = len(latencies), latencies
	if len(latencies) > 0 {
		r.P50, r.P99 = latencies[len(latencies)/2], latencies[len(latencies)*99/100]
	}
	return r
}

// Ratio is one ratio of a run's throughputs, with its target ("" for none).
type Ratio struct {
	What   string
	Value  float64
	Target string
}

// WriteTables writes a run's markdown tables to w: each phase's ops/s and
// latencies, then the ratios.
func WriteTables(w io.Writer, results []Result, ratios []Ratio) {
	fmt.Fprintf(w, "| Phase | ops/s | p50 | p99 |\n|---|---:|---:|---:|\n")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %.0f | %s | %s |\n", r.Name, r.OpsPerSec(), r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	}
	fmt.Fprintf(w, "\n| Ratio | Value | Target |\n|---|---:|---|\n")
	for _, r := range ratios {
		fmt.Fprintf(w, "| %s | %.2f | %s |\n", r.What, r.Value, r.Target)
	}
}

// CPUModel is the machine's CPU model name (Linux).
func CPUModel() string {
	raw, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(raw)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// GitCommit is the checkout's short commit, marked when it has uncommitted changes.
func GitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if err := exec.Command("git", "diff", "--quiet", "HEAD").Run(); err != nil {
		commit += " (with uncommitted changes)"
	}
	return commit
}

// Sections returns the part of the results file at path from its first "## "
// heading on (nil when none): the sections other benchmarks write, which a rewrite
// of the file's head keeps.
func Sections(path string) []byte {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if i := bytes.Index(raw, []byte("\n## ")); i >= 0 {
		return raw[i:]
	}
	return nil
}

// WriteSection replaces the section of the results file that starts with heading
// (a "## …" line) up to the next "## " heading with md, or appends md when the file
// has no such section, keeping every other benchmark's section.
func WriteSection(path, heading string, md []byte) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var rest []byte
	if i := bytes.Index(old, []byte("\n"+heading+"\n")); i >= 0 {
		tail := old[i+1+len(heading):]
		if j := bytes.Index(tail, []byte("\n## ")); j >= 0 {
			// A copy: appending md to old writes over the bytes after it.
			rest = bytes.Clone(tail[j+1:])
		}
		old = old[:i+1]
	}
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n\n")) {
		old = append(old, '\n')
	}
	out := append(old, md...)
	if len(rest) > 0 {
		if !bytes.HasSuffix(out, []byte("\n\n")) {
			out = append(out, '\n')
		}
		out = append(out, rest...)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote the section %q of %s\n", heading, path)
	return nil
}

// LoadAverage is the machine's 1, 5 and 15 minute load averages (/proc/loadavg).
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := bytes.Fields(raw)
	if len(f) < 3 {
		return "unknown"
	}
	return string(bytes.Join(f[:3], []byte(" ")))
}
