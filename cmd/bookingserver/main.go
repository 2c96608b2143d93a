// Command bookingserver is a booking server for Google's Actions Center and the
// merchant's own channels. Run `bookingserver help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc/grpclog"
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the booking API (gRPC and REST) and the merchant API", runServe},
		{"feeds", "validate feed files, or load them into a data file", runFeeds},
		{"staff", "add a dashboard account for a merchant's staff", runStaff},
		{"notify", "list the notification outbox, or retry dead letters", runNotify},
		{"check", "check a data file's consistency (bbolt's check)", runCheck},
		{"backup", "write an online backup of a running server's data file", runBackup},
		{"conformance", "run Google's booking-server test scenarios against a server", runConformance},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// Until a command reads --log-level and --log-format: JSON at info, as their defaults.
	processStderr = os.Stderr
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, nil)))
	grpclog.SetLoggerV2(grpcLogger{}) // before any gRPC call, as grpclog asks
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0 || args[0] == "-h" || args[0] == "--help" || (args[0] == "help" && len(args) == 1):
		usage(stdout)
		return 0
	case args[0] == "help": // help CMD is CMD --help
		return run(ctx, []string{args[1], "--help"}, stdout, stderr)
	case args[0] == "--version" || args[0] == "-version":
		args = []string{"version"}
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			var usage *usageErr
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.As(err, &usage):
				fmt.Fprintf(stderr, "bookingserver %s: %v\n", c.name, err)
				return 2
			case commandLogs.Load(): // the failure is a log line like the others
				slog.Error(fmt.Sprintf("bookingserver %s: %v", c.name, err))
				return 1
			default:
				fmt.Fprintf(stderr, "bookingserver %s: %v\n", c.name, err)
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "bookingserver: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "bookingserver: a booking server for Google's Actions Center (Reserve with Google).")
	fmt.Fprintln(w, "\nUsage: bookingserver <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `bookingserver <command> --help` for a command's flags.")
}

// usageErr is a command line that cannot be run (exit status 2, where a failure of the
// command itself is 1).
type usageErr struct {
	err error
}

func (e *usageErr) Error() string { return e.err.Error() }
func (e *usageErr) Unwrap() error { return e.err }

// usageError returns a usage error with msg.
func usageError(msg string) error { return &usageErr{err: errors.New(msg)} }
