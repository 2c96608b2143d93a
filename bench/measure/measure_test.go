package measure

import (
	"os"
	"path/filepath"
	"testing"
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
