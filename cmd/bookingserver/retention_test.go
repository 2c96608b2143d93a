package main

import (
	"flag"
	"io"
	"testing"
	"time"
)

// TestRetentionFlag: --retention takes whole days or a duration, prints its default
// in days, and refuses anything else or less than a day.
func TestRetentionFlag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		arg  string
		want time.Duration
		ok   bool
	}{
		{"", 400 * 24 * time.Hour, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"1.5d", 0, false},
		{"-3d", 0, false},
		{"soon", 0, false},
		{"12h", 12 * time.Hour, false}, // parses, refused by check
	} {
		var cfg retentionConfig
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg.register(fs)
		var args []string
		if c.arg != "" {
			args = []string{"--retention", c.arg}
		}
		err := fs.Parse(args)
		if err == nil {
			err = cfg.check()
		}
		if (err == nil) != c.ok || (c.ok && cfg.customerData != c.want) {
			t.Errorf("--retention %q: %v, err %v; want %v, ok %v", c.arg, cfg.customerData, err, c.want, c.ok)
		}
		if got := fs.Lookup("retention").DefValue; got != "400d" {
			t.Errorf("default printed as %q, want 400d", got)
		}
	}
}
