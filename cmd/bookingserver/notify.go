package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
	"github.com/bookingserver/bookingserver/metrics"
	"github.com/bookingserver/bookingserver/notifier"
	"github.com/bookingserver/bookingserver/publish"
	"github.com/bookingserver/bookingserver/store"
)

// notifyConfig is the notifier's part of `serve`'s configuration.
type notifyConfig struct {
	partnerID         string
	mapsBookingURL    string
	googleCredentials string
}

// register adds the notifier's flags to serve's flag set.
func (c *notifyConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.partnerID, "partner-id", "", "our partner id at Google, for booking notifications (required with --google-credentials)")
	fs.StringVar(&c.mapsBookingURL, "maps-booking-url", notifier.DefaultBaseURL, "base URL of the Maps Booking API that booking notifications go to")
	fs.StringVar(&c.googleCredentials, "google-credentials", "", "service-account JSON key file for the Maps Booking API; booking notifications are off when empty")
}

// googleClient is the one OAuth2 client of every call to the Maps Booking API, nil
// when there is no --google-credentials.
func (c notifyConfig) googleClient(ctx context.Context) (*http.Client, error) {
	if c.googleCredentials == "" {
		return nil, nil
	}
	if c.partnerID == "" {
		return nil, errors.New("--partner-id is required with --google-credentials")
	}
	// The token source keeps its context for every refresh: give it one that outlives
	// the shutdown signal, so the last attempt can still authenticate.
	return notifier.NewHTTPClientFromFile(context.WithoutCancel(ctx), c.googleCredentials)
}

// feedStatus reads Google's status of uploaded feed files through client; nil when
// there is no client.
func (c notifyConfig) feedStatus(client *http.Client) publish.StatusReader {
	if client == nil {
		return nil
	}
	return notifier.FeedStatusClient{Client: client, BaseURL: c.mapsBookingURL, PartnerID: c.partnerID}
}

// startNotifier starts the outbox workers on st with client (googleClient); stop
// ends them and must be called before st closes. With no client the workers are off
// (records accumulate and are delivered once --google-credentials is given).
func startNotifier(ctx context.Context, cfg notifyConfig, client *http.Client, st store.Backend, m *metrics.Metrics) (stop func(), err error) {
	if client == nil {
		slog.Warn("booking notifications and availability, merchant and service RTUs to Google are off: no --google-credentials; they wait in the outbox")
		return func() {}, nil
	}
	n, err := notifier.New(notifier.Config{
		Outbox: st.Outbox(), Client: client, PartnerID: cfg.partnerID, BaseURL: cfg.mapsBookingURL,
	})
	if err != nil {
		return nil, err
	}
	m.RegisterNotifier(n.Stats)
	stopN := n.Start(context.WithoutCancel(ctx))
	// Availability RTUs share the client (one OAuth2 token source) and the retry policy.
	aw, err := notifier.NewAvailabilityWorker(notifier.AvailabilityConfig{
		Outbox: st.AvailabilityOutbox(), Client: client, PartnerID: cfg.partnerID, BaseURL: cfg.mapsBookingURL,
	})
	if err != nil {
		stopN()
		return nil, err
	}
	m.RegisterAvailabilityRTU(aw.Stats)
	stopA := aw.Start(context.WithoutCancel(ctx))
	// So do merchant and service RTUs.
	iw, err := notifier.NewInventoryWorker(notifier.InventoryConfig{
		Outbox: st.InventoryOutbox(), Client: client, PartnerID: cfg.partnerID, BaseURL: cfg.mapsBookingURL,
	})
	if err != nil {
		stopA()
		stopN()
		return nil, err
	}
	m.RegisterInventoryRTU(iw.Stats)
	stopI := iw.Start(context.WithoutCancel(ctx))
	slog.Info("booking notifications, availability RTUs and merchant/service RTUs on", "partner_id", cfg.partnerID, "maps_booking_url", cfg.mapsBookingURL)
	return func() { stopI(); stopA(); stopN() }, nil
}

// runNotify is `bookingserver notify list|retry`.
func runNotify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		fmt.Fprintln(stderr, "Usage: bookingserver notify list [--data FILE | --server URL --admin-token T]\n       bookingserver notify retry ID|--all-dead [--data FILE | --server URL --admin-token T]")
		return usageError("want list or retry")
	}
	sub := args[0]
	fs := newFlagSet("notify "+sub, "notify "+sub+" [flags]")
	fs.SetOutput(stderr)
	var sc storeConfig
	sc.register(fs, "bbolt data file; while a server holds it, notify goes through that server (give --admin-token)")
	serverURL := fs.String("server", "", "base URL of the running server that holds the data file: go through its merchant API")
	var token string
	secretFlag(fs, &token, "admin-token", "an admin bearer token of the server (with --server)")
	var logs logConfig
	logs.register(fs)
	allDead := false
	if sub == "retry" {
		fs.BoolVar(&allDead, "all-dead", false, "retry every dead letter")
	}
	// Flags may come before or after the ID: parse again after each positional.
	var pos []string
	for rest := args[1:]; ; rest = fs.Args()[1:] {
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
	}
	logs.install()
	if *serverURL != "" {
		return notifyVia(ctx, remoteOutbox{base: *serverURL, token: token}, sub, pos, allDead, stdout)
	}
	if sc.databaseURL == "" {
		// Never create a data file by listing a mistyped one.
		if _, err := os.Stat(sc.data); err != nil {
			return err
		}
	}
	st, err := sc.open(ctx)
	if errors.Is(err, store.ErrLocked) {
		remote, rerr := heldBy(sc.data, token)
		if rerr != nil {
			return fmt.Errorf("%w: a server holds it (%v); give --server URL and --admin-token to go through it", err, rerr)
		}
		slog.Info("the data file is held by a running server: going through it", "server", remote.base)
		return notifyVia(ctx, remote, sub, pos, allDead, stdout)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	if sub == "list" {
		if len(pos) > 0 {
			return fmt.Errorf("unexpected arguments %q", pos)
		}
		if err := listOutbox(ctx, st.Outbox(), stdout); err != nil {
			return err
		}
		if err := listAvailabilityOutbox(ctx, st.AvailabilityOutbox(), stdout); err != nil {
			return err
		}
		return listInventoryOutbox(ctx, st.InventoryOutbox(), stdout)
	}
	if err := retryOutbox(ctx, st.Outbox(), pos, allDead, stdout); err != nil || !allDead {
		return err
	}
	n, err := st.AvailabilityOutbox().RetryAllDead(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d dead availability windows pending again\n", n)
	if n, err = st.InventoryOutbox().RetryAllDead(ctx); err == nil {
		fmt.Fprintf(stdout, "%d dead merchant and service updates pending again\n", n)
	}
	return err
}

// listInventoryOutbox prints the merchant and service RTUs waiting or dead.
func listInventoryOutbox(ctx context.Context, o store.InventoryQueue, stdout io.Writer) error {
	recs, err := o.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nMERCHANT/SERVICE\tSTATE\tCHANGE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	pending, dead := 0, 0
	for _, r := range recs {
		if r.GetState() == bsv1.OutboxState_OUTBOX_STATE_DEAD {
			dead++
		} else {
			pending++
		}
		name := r.GetMerchantId()
		if r.GetServiceId() != "" {
			name += "/" + r.GetServiceId()
		}
		change := fmt.Sprint(r.GetChangedFields())
		if r.GetCreated() {
			change = "added " + change
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", name, stateName(r.GetState()), change, len(r.GetAttempts()),
			nextAttempt(r.GetState(), r.GetNextAttemptUnix()), lastError(r.GetAttempts()))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d merchant and service updates pending, %d dead\n", pending, dead)
	return nil
}

// nextAttempt is when a record in state is tried next: "-" for a dead one, "now" or
// the time for a pending one.
func nextAttempt(state bsv1.OutboxState, unix int64) string {
	switch {
	case state != bsv1.OutboxState_OUTBOX_STATE_PENDING:
		return "-"
	case unix > 0:
		return time.Unix(unix, 0).UTC().Format(time.RFC3339)
	}
	return "now"
}

// lastError is the error of the last attempt, "-" when none failed.
func lastError(attempts []*bsv1.Attempt) string {
	if len(attempts) == 0 {
		return "-"
	}
	return attempts[len(attempts)-1].GetError()
}

// notifyVia runs list or retry against o (the running server's outbox).
func notifyVia(ctx context.Context, o operatorOutbox, sub string, pos []string, allDead bool, stdout io.Writer) error {
	if sub == "list" {
		if len(pos) > 0 {
			return usageError(fmt.Sprintf("unexpected arguments %q", pos))
		}
		return listOutbox(ctx, o, stdout)
	}
	return retryOutbox(ctx, o, pos, allDead, stdout)
}

// listAvailabilityOutbox prints the availability RTU windows waiting or dead.
func listAvailabilityOutbox(ctx context.Context, o store.RTUQueue, stdout io.Writer) error {
	recs, err := o.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nAVAILABILITY WINDOW\tSTATE\tCHANGES\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	pending, dead := 0, 0
	for _, r := range recs {
		if r.GetState() == bsv1.OutboxState_OUTBOX_STATE_PENDING {
			pending++
		} else {
			dead++
		}
		fmt.Fprintf(w, "%s/%s %s..%s\t%s\t%d\t%d\t%s\t%s\n", r.GetMerchantId(), r.GetServiceId(),
			time.Unix(r.GetStartSec(), 0).UTC().Format(time.RFC3339), time.Unix(r.GetEndSec(), 0).UTC().Format(time.RFC3339),
			stateName(r.GetState()), r.GetRevision(), len(r.GetAttempts()), nextAttempt(r.GetState(), r.GetNextAttemptUnix()), lastError(r.GetAttempts()))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d availability windows pending, %d dead\n", pending, dead)
	return nil
}

// listOutbox prints pending records, then dead letters, each with its last error.
func listOutbox(ctx context.Context, o operatorOutbox, stdout io.Writer) error {
	pending, err := o.ListPending(ctx)
	if err != nil {
		return err
	}
	dead, err := o.ListDead(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATE\tBOOKING\tUPDATE\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
	for _, r := range append(pending, dead...) {
		n := r.GetNotification()
		fmt.Fprintf(w, "%d\t%s\t%s\t%s %v\t%d\t%s\t%s\n", r.GetId(), stateName(r.GetState()), n.GetBookingId(),
			n.GetStatus(), n.GetUpdateMask(), len(r.GetAttempts()), nextAttempt(r.GetState(), r.GetNextAttemptUnix()), lastError(r.GetAttempts()))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d pending, %d dead\n", len(pending), len(dead))
	return nil
}

func stateName(s bsv1.OutboxState) string {
	if s == bsv1.OutboxState_OUTBOX_STATE_DEAD {
		return "DEAD"
	}
	return "PENDING"
}

// retryOutbox makes one dead letter (by id) or all of them pending again.
func retryOutbox(ctx context.Context, o operatorOutbox, args []string, allDead bool, stdout io.Writer) error {
	switch {
	case allDead && len(args) == 0:
		n, err := o.RetryAllDead(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d dead letters pending again\n", n)
		return nil
	case !allDead && len(args) == 1:
		id, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("ID %q: want a record id from `notify list`", args[0])
		}
		if _, err := o.Retry(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d pending again\n", id)
		return nil
	}
	return errors.New("give one dead letter ID or --all-dead")
}

// heldBy is the outbox of the server that holds data, from the address it recorded
// next to the file (serverFile); token is an admin token of that server.
func heldBy(data, token string) (remoteOutbox, error) {
	f, err := readServerFile(data)
	if err != nil {
		return remoteOutbox{}, fmt.Errorf("no address recorded: %w", err)
	}
	if token == "" {
		return remoteOutbox{}, fmt.Errorf("at %s; its merchant API needs --admin-token", f.URL)
	}
	client, err := f.client()
	if err != nil {
		return remoteOutbox{}, err
	}
	return remoteOutbox{base: f.URL, token: token, client: client}, nil
}
