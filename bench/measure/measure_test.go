package measure

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWriteSectionKeepsLaterSections: replacing a section with a longer one leaves
// the sections after it as they were (it once overwrote them with its own bytes).
func TestWriteSectionKeepsLaterSections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "RESULTS.md")
	const before = "# Results\n\n## A\n\nold a\n\n## B\n\nold b\n\n## C\n\nkept c\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteSection(path, "## B", []byte("## B\n\na new section b, longer than the old one and the rest\n")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const want = "# Results\n\n## A\n\nold a\n\n## B\n\na new section b, longer than the old one and the rest\n\n## C\n\nkept c\n"
	if string(got) != want {
		t.Fatalf("file is\n%s\nwant\n%s", got, want)
	}
}

// TestCombinePoolsPhases: phases run apart count as one phase of their summed
// time, with the percentiles of all their latencies (not an average of theirs).
func TestCombinePoolsPhases(t *testing.T) {
	ms := func(n ...int) (d []time.Duration) {
		for _, v := range n {
			d = append(d, time.Duration(v)*time.Millisecond)
		}
		return d
	}
	a := withLatencies(Result{Name: "a", Elapsed: time.Second, AllOps: 5}, ms(9, 1, 1, 1))
	b := withLatencies(Result{Name: "b", Elapsed: time.Second, AllOps: 3}, ms(2, 2))
	c := Combine("both", a, b)
	if c.Name != "both" || c.Ops != 6 || c.AllOps != 8 || c.Elapsed != 2*time.Second || c.OpsPerSec() != 3 {
		t.Fatalf("combined %+v, want 6 ops over 2s, 8 in all", c)
	}
	if c.P50 != 2*time.Millisecond || c.P99 != 9*time.Millisecond {
		t.Fatalf("p50 %s p99 %s, want 2ms and 9ms (of 1 1 1 2 2 9)", c.P50, c.P99)
	}
}
