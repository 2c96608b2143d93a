package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
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
	// The flag package would print its error (with a single dash) and the whole usage;
	// print --help on request only, and let run print the error once, in our spelling.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if errors.Is(err, flag.ErrHelp) {
		fs.Usage()
		return err
	}
	if err != nil {
		msg := strings.NewReplacer(": -", ": --", "flag -", "flag --").Replace(err.Error())
		return &usageErr{err: fmt.Errorf("%s (see --help)", msg)}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
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
			if _, ok := f.Value.(aliasValue); ok {
				return // an old name kept working, not advertised
			}
			typ, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(out, "  --%s %s\n    \t%s", f.Name, typ, usage)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(out, " (default %s)", f.DefValue)
			}
			fmt.Fprintf(out, " [$%s]\n", envName(f.Name))
		})
	}
	return fs
}

// aliasValue is an old flag name that sets its new one: the same concept has one name
// everywhere, and command lines written for the old name keep working.
type aliasValue struct {
	fs      *flag.FlagSet
	newName string
}

func (a aliasValue) String() string     { return "" }
func (a aliasValue) Set(v string) error { return a.fs.Set(a.newName, v) }

// aliasFlag registers oldName as a hidden alias of the flag newName.
func aliasFlag(fs *flag.FlagSet, oldName, newName string) {
	fs.Var(aliasValue{fs: fs, newName: newName}, oldName, "alias of --"+newName)
}
