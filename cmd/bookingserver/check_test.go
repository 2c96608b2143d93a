package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedDataFile: serve on a data file whose pages after the header are corrupt
// exits 1 with one line naming the file and the remedy (the fault run saw a panic and a
// stack trace); `check` finds the damage, and passes a sound file.
func TestDamagedDataFile(t *testing.T) {
	data := filepath.Join(t.TempDir(), "b.db")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"feeds", "load", "--data", data,
		"../../examples/feeds/merchants.json", "../../examples/feeds/services.json", "../../examples/feeds/availability.json"}, &out, &out); code != 0 {
		t.Fatalf("feeds load: %d %s", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"check", "--data", data}, &out, &out); code != 0 || !strings.Contains(out.String(), "is consistent") {
		t.Fatalf("check of a sound file: %d %s", code, out.String())
	}
	raw, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	for i := 2 * os.Getpagesize(); i < len(raw); i++ {
		raw[i] ^= byte(i*7 + 13)
	}
	if err := os.WriteFile(data, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		append([]string{"serve", "--data", data, "--insecure-no-auth"}, anyPorts()...),
		{"check", "--data", data},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		last := lines[len(lines)-1]
		if code != 1 || !strings.Contains(last, "data file "+data+" is damaged: ") || !strings.HasSuffix(last, "restore it from a backup") {
			t.Errorf("%s: exit %d, stderr %q; want 1 and the damage in one line", args[0], code, stderr.String())
		}
		if strings.Contains(stderr.String(), "goroutine ") {
			t.Errorf("%s: a stack trace: %s", args[0], stderr.String())
		}
	}
}
