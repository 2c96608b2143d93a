package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bookingserver/bookingserver/tenant"
)

// staffPasswordEnv passes a staff password without a terminal (scripts, CI); otherwise
// it is read from the first line of standard input.
const staffPasswordEnv = "BOOKINGSERVER_STAFF_PASSWORD"

// runStaff is `bookingserver staff add --merchant M --email E`: a dashboard account for
// one merchant's staff. The password never goes on the command line.
func runStaff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "Usage: bookingserver staff add --merchant M --email E [--data FILE]   (password from $"+staffPasswordEnv+" or the first line of stdin)")
		return errors.New("want add")
	}
	fs := newFlagSet("staff add", "staff add --merchant M --email E [flags]")
	fs.SetOutput(stderr)
	var sc storeConfig
	sc.register(fs, "bbolt data file (not while a server has it open)")
	merchant := fs.String("merchant", "", "the merchant the account acts for")
	email := fs.String("email", "", "the login email")
	var logs logConfig
	logs.register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	logs.install()
	password, ok := os.LookupEnv(staffPasswordEnv)
	if !ok {
		fmt.Fprintf(stderr, "password for %s (at least %d characters): ", *email, tenant.MinPasswordLen)
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	st, err := sc.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ss, ok := st.(tenant.StaffStore)
	if !ok {
		return errors.New("this store does not keep staff accounts (use --data)")
	}
	if err := tenant.NewStaff(ss, nil).Add(ctx, *merchant, *email, password); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "staff account %s added for merchant %s\n", strings.ToLower(*email), *merchant)
	return nil
}
