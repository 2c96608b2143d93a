package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

// envPrefix: every flag --some-flag is also read from BOOKINGSERVER_SOME_FLAG.
const envPrefix = "BOOKINGSERVER_"

// envName is the environment variable that sets flag name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// parseFlags parses args, then fills every flag not given on the command line from its
// environment variable. Command-line flags win over the environment.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageErr{err: err, printed: true}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := os.LookupEnv(envName(f.Name)); ok && !given[f.Name] && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = &usageErr{err: fmt.Errorf("%s: %w", envName(f.Name), e)}
			}
		}
	})
	return err
}

// newFlagSet returns a flag set whose usage documents each flag with its variable.
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: bookingserver %s\n\n", synopsis)
		fmt.Fprintf(out, "Flags (each also read from the environment variable shown):\n")
		fs.VisitAll(func(f *flag.Flag) {
			typ, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(out, "  --%s %s\n    \t%s", f.Name, typ, usage)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(out, " (default %q)", f.DefValue)
			}
			fmt.Fprintf(out, " [$%s]\n", envName(f.Name))
		})
	}
	return fs
}
