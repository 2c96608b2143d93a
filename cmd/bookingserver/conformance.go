package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bookingserver/bookingserver/conformance"
)

// runConformance runs Google's booking-server scenarios against a server and prints a
// line per check (or JSON); any failed or skipped check is an error (exit status 1).
func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		target, grpcTarget, user, password, availability, token, services string
		merchantsFeed, servicesFeed                                       string
		insecureSkipVerify, skipCardSlots, asJSON                         bool
		numSlots                                                          int
		minLead, timeout                                                  time.Duration
	)
	fs := newFlagSet("conformance", "conformance (--target URL | --grpc-target HOST:PORT) --availability FILE [flags]")
	fs.SetOutput(stderr)
	fs.StringVar(&target, "target", "", "REST base URL of the server under test, e.g. https://booking.example.com:443")
	fs.StringVar(&grpcTarget, "grpc-target", "", "gRPC address of the server under test (host:port; plaintext on loopback, else TLS)")
	fs.StringVar(&user, "auth-user", "", "HTTP basic auth user name (what Google calls with)")
	secretFlag(fs, &password, "auth-password", "HTTP basic auth password")
	aliasFlag(fs, "user", "auth-user")
	aliasFlag(fs, "password", "auth-password")
	fs.BoolVar(&insecureSkipVerify, "insecure-skip-verify", false, "accept any TLS certificate (self-signed test servers)")
	fs.StringVar(&availability, "availability", "", "availability feed JSON whose slots are looked up and booked (required)")
	fs.StringVar(&merchantsFeed, "merchants", "", "merchant feed JSON (with --services): check the price and tax of prepaid bookings")
	fs.StringVar(&servicesFeed, "services", "", "service feed JSON (with --merchants)")
	fs.IntVar(&numSlots, "num-slots", 10, "how many available slots to book")
	fs.StringVar(&token, "payment-token", "tok_visa", "test payment token sent with every CreateBooking")
	fs.StringVar(&services, "service", "", "comma-separated service ids to use (default: every service in the feed)")
	fs.BoolVar(&skipCardSlots, "skip-card-slots", false, "skip slots whose availability record asks for a card (servers without a payment processor)")
	fs.DurationVar(&minLead, "min-lead", 48*time.Hour, "skip slots starting sooner than this (booking and cancellation windows)")
	fs.DurationVar(&timeout, "timeout", 10*time.Second, "per-call timeout")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	case (target == "") == (grpcTarget == ""):
		return errors.New("give exactly one of --target and --grpc-target")
	case availability == "":
		return errors.New("--availability FILE is required: the scenarios book real slots from the partner's availability feed")
	case (merchantsFeed == "") != (servicesFeed == ""):
		return errors.New("give both --merchants and --services, or neither")
	}
	var catalog *conformance.Catalog
	if merchantsFeed != "" {
		var err error
		if catalog, err = conformance.LoadCatalog(merchantsFeed, servicesFeed); err != nil {
			return err
		}
	}
	filter := conformance.SlotFilter{After: time.Now().Add(minLead), SkipCardSlots: skipCardSlots}
	if services != "" {
		filter.Services = strings.Split(services, ",")
	}
	slots, err := conformance.LoadSlots(availability, filter)
	if err != nil {
		return err
	}
	auth := conformance.Auth{User: user, Password: password}
	var (
		client conformance.Client
		name   string
	)
	if target != "" {
		client, name = conformance.NewREST(target, auth, insecureSkipVerify), target
	} else {
		if client, err = conformance.NewGRPC(grpcTarget, auth, insecureSkipVerify); err != nil {
			return err
		}
		name = "grpc://" + grpcTarget
	}
	defer client.Close()
	rep := conformance.Run(ctx, conformance.Config{
		Client: client, Target: name, Slots: slots, NumSlots: numSlots, PaymentToken: token, Timeout: timeout, Catalog: catalog,
	})
	if asJSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("%d check(s) failed, %d skipped", rep.Failed, rep.Skipped)
	}
	return nil
}
