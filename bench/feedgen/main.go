// Command feedgen writes a synthetic merchant, service and availability feed for load
// tests: go run ./bench/feedgen -slots 1000000 -out DIR writes DIR/merchants.json,
// DIR/services.json and DIR/availability.json, loadable with `bookingserver feeds load`
// or `bookingserver serve --feeds DIR`.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bookingserver/bookingserver/bench/synth"
)

func main() {
	var p synth.Params
	flag.IntVar(&p.Slots, "slots", 1_000_000, "number of explicit availability slots")
	flag.IntVar(&p.Merchants, "merchants", 20, "number of merchants")
	flag.IntVar(&p.ServicesPerMerchant, "services", 5, "services per merchant")
	flag.IntVar(&p.Spots, "spots", 1000, "spots_total (and spots_open) of every slot")
	out := flag.String("out", "", "output directory (created if missing)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: feedgen -slots N -out DIR")
		os.Exit(2)
	}
	if err := run(synth.NewLayout(p), *out); err != nil {
		fmt.Fprintln(os.Stderr, "feedgen:", err)
		os.Exit(1)
	}
}

func run(l synth.Layout, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		write func(*bufio.Writer) error
	}{
		{"merchants.json", func(w *bufio.Writer) error { return l.MerchantFeed(w) }},
		{"services.json", func(w *bufio.Writer) error { return l.ServiceFeed(w) }},
		{"availability.json", func(w *bufio.Writer) error { return l.AvailabilityFeed(w) }},
	} {
		path := filepath.Join(dir, f.name)
		file, err := os.Create(path)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(file, 1<<20)
		err = f.write(w)
		if err == nil {
			err = w.Flush()
		}
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		st, _ := os.Stat(path)
		fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", path, st.Size())
	}
	fmt.Fprintf(os.Stderr, "%d merchants, %d services, %d slots of %d spots\n",
		l.Params().Merchants, l.Series(), l.Params().Slots, l.Params().Spots)
	return nil
}
