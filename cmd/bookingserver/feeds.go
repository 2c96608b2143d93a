package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bookingserver/bookingserver/feeds"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/server"
	"github.com/bookingserver/bookingserver/store"
)

// feedFile is a feed file and its kind, told by its name: merchant*.json,
// service*.json or availability*.json (shards: availability-0.json, …).
type feedFile struct {
	path string
	kind bsv1.FeedKind
}

var kindPrefixes = []struct {
	prefix string
	kind   bsv1.FeedKind
}{
	{"merchant", bsv1.FeedKind_FEED_KIND_MERCHANT},
	{"service", bsv1.FeedKind_FEED_KIND_SERVICE},
	{"availability", bsv1.FeedKind_FEED_KIND_AVAILABILITY},
}

// classify returns the files with their kinds, merchants first, then services, then
// availability (each kind validates against the one before), by name within a kind.
func classify(paths []string) ([]feedFile, error) {
	var out []feedFile
	for _, p := range paths {
		f := feedFile{path: p}
		for _, k := range kindPrefixes {
			if strings.HasPrefix(strings.ToLower(filepath.Base(p)), k.prefix) {
				f.kind = k.kind
			}
		}
		if f.kind == bsv1.FeedKind_FEED_KIND_UNSPECIFIED {
			return nil, fmt.Errorf("%s: cannot tell the feed kind: name it merchant*.json, service*.json or availability*.json", p)
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b feedFile) int {
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		return strings.Compare(a.path, b.path)
	})
	return out, nil
}

// feedDir lists the *.json files of dir.
func feedDir(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no *.json feed files in %s", dir)
	}
	return paths, nil
}

// loadFeeds loads files into st, logging each and recording each in m (nil: not
// recorded).
func loadFeeds(ctx context.Context, st store.Backend, paths []string, m *metrics.Metrics) error {
	files, err := classify(paths)
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		slog.Info("loading feed", "file", f.path, "bytes", len(data))
		start := time.Now()
		sum, err := st.LoadFeed(ctx, f.kind, data)
		took := time.Since(start)
		m.ObserveFeedLoad(server.FeedKindName(f.kind), took, sum.Records, err)
		if err != nil {
			return fmt.Errorf("%s: %w", f.path, err)
		}
		slog.Info("feed loaded", "file", f.path, "summary", sum.String(), "took", took.Round(time.Millisecond).String())
	}
	return nil
}

func runFeeds(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := "feeds validate FILE…  |  feeds load --data FILE FILE…  |  feeds roll-forward --out DIR FILE…"
	if len(args) == 0 {
		return fmt.Errorf("usage: bookingserver %s", usage)
	}
	switch args[0] {
	case "validate":
		return runFeedsValidate(args[1:], stdout, stderr)
	case "load":
		return runFeedsLoad(ctx, args[1:], stdout, stderr)
	case "roll-forward":
		return runFeedsRollForward(args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown feeds command %q; usage: bookingserver %s", args[0], usage)
}

// runFeedsValidate parses and validates files together (services against the given
// merchant files, slots against the given service files) without a data file.
func runFeedsValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("feeds validate", "feeds validate FILE…")
	fs.SetOutput(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	files, err := classify(fs.Args())
	if err != nil || len(files) == 0 {
		return errors.Join(err, errors.New("give at least one feed file"))
	}
	merchants, services := &acv3.MerchantFeed{}, &acv3.ServiceFeed{}
	var problems []error
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		if err := validateFile(f.kind, data, merchants, services); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", f.path, err))
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", f.path)
	}
	return errors.Join(problems...)
}

// validateFile validates one file; merchant and service records are collected into
// merchants and services for the later files' cross-feed checks.
func validateFile(kind bsv1.FeedKind, data []byte, merchants *acv3.MerchantFeed, services *acv3.ServiceFeed) error {
	switch kind {
	case bsv1.FeedKind_FEED_KIND_MERCHANT:
		f, err := feeds.ParseMerchantFeed(data)
		if err != nil {
			return err
		}
		merchants.Merchant = append(merchants.Merchant, f.GetMerchant()...)
		return feeds.ValidateMerchantFeed(f)
	case bsv1.FeedKind_FEED_KIND_SERVICE:
		f, err := feeds.ParseServiceFeed(data)
		if err != nil {
			return err
		}
		services.Service = append(services.Service, f.GetService()...)
		return feeds.ValidateServiceFeed(f, feeds.NewCatalog(merchants, nil))
	default:
		f, err := feeds.ParseAvailabilityFeed(data)
		if err != nil {
			return err
		}
		return feeds.ValidateAvailabilityFeed(f, feeds.NewCatalog(merchants, services))
	}
}

func runFeedsLoad(ctx context.Context, args []string, _, stderr io.Writer) error {
	fs := newFlagSet("feeds load", "feeds load --data FILE FEED…")
	fs.SetOutput(stderr)
	var sc storeConfig
	sc.register(fs, "bbolt data file to load into (the server must not be running on it)")
	var logs logConfig
	logs.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logs.install()
	if fs.NArg() == 0 {
		return errors.New("give at least one feed file")
	}
	st, err := sc.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	slog.Info("loading feeds", "files", fs.NArg())
	return loadFeeds(ctx, st, fs.Args(), nil)
}

// runFeedsRollForward writes the feed files into --out with their availability moved
// forward by whole weeks to start within the coming week (feeds.RollForward); merchant
// and service files are copied as they are. `make run` and CI's conformance run serve
// the example feeds through it, so they stay bookable whatever today's date is.
func runFeedsRollForward(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("feeds roll-forward", "feeds roll-forward --out DIR FILE…")
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write the files to (created if missing)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	files, err := classify(fs.Args())
	if err != nil || len(files) == 0 || *out == "" {
		return errors.Join(err, errors.New("give --out DIR and at least one feed file"))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	now := time.Now()
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		if f.kind == bsv1.FeedKind_FEED_KIND_AVAILABILITY {
			var shift time.Duration
			if data, shift, err = feeds.RollForward(data, now); err != nil {
				return fmt.Errorf("%s: %w", f.path, err)
			}
			fmt.Fprintf(stdout, "%s: moved forward %d weeks\n", f.path, int(shift/(7*24*time.Hour)))
		}
		if err := os.WriteFile(filepath.Join(*out, filepath.Base(f.path)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
