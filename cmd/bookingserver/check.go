package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bookingserver/bookingserver/store"
)

// runCheck is `bookingserver check --data FILE`: bbolt's consistency check over a data
// file that no server holds (a backup before it is restored, say).
func runCheck(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check --data FILE")
	fs.SetOutput(stderr)
	data := fs.String("data", "bookingserver.db", "bbolt data file to check (read-only; not while a server has it open)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := store.Check(*data); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data file %s is consistent\n", *data)
	return nil
}
