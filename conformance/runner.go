// Package conformance runs Google's booking-server test scenarios (the v3 test client's
// health, availability, booking, idempotency, rescheduling, listing, status and
// cancellation checks) against any Actions Center booking server, over REST or gRPC,
// and reports each check with its reason.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// Config is one run.
type Config struct {
	// Client calls the server under test.
	Client Client
	// Target names the server in the report.
	Target string
	// Slots are the feed's slots (LoadSlots): all are looked up, NumSlots are booked.
	Slots []*acv3.Availability
	// NumSlots is how many slots to book (default 10).
	NumSlots int
	// PaymentToken is sent in payment_processing_parameters (default "tok_visa").
	PaymentToken string
	// RunID tags idempotency tokens and the test user; random when empty.
	RunID string
	// Catalog (optional) is the merchant and service feeds: with it, prepaid_tax checks
	// the price and tax answered for prepaid slots; without it that check is not run.
	Catalog *Catalog
	// Timeout bounds each call (default 10 s).
	Timeout time.Duration
}

// lookupBatch is how many slot times one BatchAvailabilityLookup asks for.
const lookupBatch = 100

// created is one booking the run made.
type created struct {
	slot      *acv3.Availability
	req       *acv3.CreateBookingRequest
	resp      *acv3.CreateBookingResponse
	id        string
	cancelled bool
}

// runner holds a run's state between checks.
type runner struct {
	cfg       Config
	user      string
	rep       *Report
	healthy   bool
	available []*acv3.Availability
	booked    []*created
}

// Run runs every check in order and always finishes with "cancel all bookings made by
// this run". Business failures are reported in the checks, never returned: Run has no
// error of its own.
func Run(ctx context.Context, cfg Config) *Report {
	if cfg.NumSlots <= 0 {
		cfg.NumSlots = 10
	}
	if cfg.PaymentToken == "" {
		cfg.PaymentToken = "tok_visa"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.RunID == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		cfg.RunID = hex.EncodeToString(b[:])
	}
	r := &runner{cfg: cfg, user: "conformance-" + cfg.RunID, rep: &Report{Target: cfg.Target, RunID: cfg.RunID}}
	r.check(ctx, "health", nil, r.health)
	r.check(ctx, "availability_lookup", r.needHealth, r.lookup)
	r.check(ctx, "create_booking", r.needAvailable, r.create)
	r.check(ctx, "idempotent_replay", r.needBooking, r.replay)
	if cfg.Catalog != nil {
		r.check(ctx, "prepaid_tax", r.needPrepaid, r.prepaidTax)
	}
	r.check(ctx, "reschedule", r.needBooking, r.reschedule)
	r.check(ctx, "list_bookings", r.needBooking, r.list)
	r.check(ctx, "booking_status", r.needBooking, r.status)
	r.check(ctx, "cancel_booking", r.needBooking, r.cancelOne)
	r.check(ctx, "list_after_cancel", r.needBooking, r.list)
	r.check(ctx, "cancel_all", r.needHealth, r.cancelAll)
	return r.rep
}

// check runs one scenario unless need says why it cannot.
func (r *runner) check(ctx context.Context, name string, need func() string, fn func(context.Context) (string, error)) {
	start := time.Now()
	if need != nil {
		if why := need(); why != "" {
			r.rep.add(Check{Name: name, Result: Skip, Reason: why})
			return
		}
	}
	reason, err := fn(ctx)
	c := Check{Name: name, Result: Pass, Reason: reason, Duration: time.Since(start)}
	if err != nil {
		c.Result, c.Reason = Fail, err.Error()
	}
	r.rep.add(c)
}

func (r *runner) needHealth() string {
	if !r.healthy {
		return "not run: the health check failed"
	}
	return ""
}

func (r *runner) needAvailable() string {
	if why := r.needHealth(); why != "" {
		return why
	}
	if len(r.available) == 0 {
		return "not run: no slot was answered as available"
	}
	return ""
}

func (r *runner) needBooking() string {
	if why := r.needHealth(); why != "" {
		return why
	}
	if len(r.booked) == 0 {
		return "not run: no booking was created"
	}
	return ""
}

// rpc bounds one call.
func (r *runner) rpc(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.cfg.Timeout)
}

// health: HealthCheck answers without error (with the given credentials).
func (r *runner) health(ctx context.Context) (string, error) {
	ctx, cancel := r.rpc(ctx)
	defer cancel()
	if err := r.cfg.Client.HealthCheck(ctx); err != nil {
		return "", fmt.Errorf("HealthCheck failed: %w", err)
	}
	r.healthy = true
	return "HealthCheck succeeded", nil
}

// lookup: BatchAvailabilityLookup of every slot, one merchant per call, answers one
// availability per slot time asked.
func (r *runner) lookup(ctx context.Context) (string, error) {
	slots := r.cfg.Slots
	if len(slots) == 0 {
		return "", fmt.Errorf("the availability feed has no usable slot (all past, too close, or filtered out)")
	}
	var problems []string
	calls, errs := 0, 0
	for i := 0; i < len(slots); {
		j := i + 1
		for j < len(slots) && j-i < lookupBatch && slots[j].GetMerchantId() == slots[i].GetMerchantId() {
			j++
		}
		batch := slots[i:j]
		req := &acv3.BatchAvailabilityLookupRequest{MerchantId: batch[0].GetMerchantId()}
		for _, s := range batch {
			req.SlotTime = append(req.SlotTime, slotTime(s))
		}
		cctx, cancel := r.rpc(ctx)
		resp, err := r.cfg.Client.BatchAvailabilityLookup(cctx, req)
		cancel()
		calls++
		switch {
		case err != nil:
			errs += len(batch)
			problems = append(problems, err.Error())
		case len(resp.GetSlotTimeAvailability()) != len(batch):
			errs += len(batch)
			problems = append(problems, fmt.Sprintf("asked %d slot times of %s, got %d answers", len(batch), req.GetMerchantId(), len(resp.GetSlotTimeAvailability())))
		default:
			for k, a := range resp.GetSlotTimeAvailability() {
				st := a.GetSlotTime()
				if st.GetStartSec() != batch[k].GetStartSec() || st.GetServiceId() != batch[k].GetServiceId() {
					errs++
					problems = append(problems, fmt.Sprintf("answer %d names %s@%d, asked %s", k, st.GetServiceId(), st.GetStartSec(), slotName(batch[k])))
					continue
				}
				if a.GetAvailable() {
					r.available = append(r.available, batch[k])
				}
			}
		}
		i = j
	}
	summary := fmt.Sprintf("%d slot times in %d calls: %d available; errors %d/%d", len(slots), calls, len(r.available), errs, len(slots))
	if errs > 0 {
		return "", fmt.Errorf("%s: %s", summary, firstFew(problems))
	}
	return summary, nil
}

// sample picks n slots spread evenly over the available ones.
func sample(slots []*acv3.Availability, n int) []*acv3.Availability {
	if n >= len(slots) {
		return slots
	}
	out := make([]*acv3.Availability, 0, n)
	for i := range n {
		out = append(out, slots[i*len(slots)/n])
	}
	return out
}

// create: CreateBooking on NumSlots available slots, each with its own idempotency
// token, answers a booking (no booking_failure).
func (r *runner) create(ctx context.Context) (string, error) {
	picked := sample(r.available, r.cfg.NumSlots)
	var problems []string
	statuses := map[acv3.BookingStatus]int{}
	for i, s := range picked {
		req := &acv3.CreateBookingRequest{
			Slot:            bookingSlot(s),
			UserInformation: &acv3.UserInformation{UserId: r.user, GivenName: "Conformance", FamilyName: "Test", Email: r.user + "@example.com", Telephone: "+15555550100"},
			PaymentProcessingParameters: &acv3.PaymentProcessingParameters{
				PaymentMethodToken: r.cfg.PaymentToken,
			},
			IdempotencyToken: fmt.Sprintf("conformance-%s-%d", r.cfg.RunID, i),
		}
		cctx, cancel := r.rpc(ctx)
		resp, err := r.cfg.Client.CreateBooking(cctx, req)
		cancel()
		if why := bookingProblem(resp.GetBooking(), resp.GetBookingFailure(), err, s.GetStartSec()); why != "" {
			problems = append(problems, slotName(s)+": "+why)
			continue
		}
		r.booked = append(r.booked, &created{slot: s, req: req, resp: resp, id: resp.GetBooking().GetBookingId()})
		statuses[resp.GetBooking().GetStatus()]++
	}
	summary := fmt.Sprintf("%d/%d booked (%s); errors %d/%d", len(r.booked), len(picked), countStatuses(statuses), len(problems), len(picked))
	if len(problems) > 0 {
		return "", fmt.Errorf("%s: %s", summary, firstFew(problems))
	}
	return summary, nil
}

// bookingProblem says what is wrong with a booking answer, or "".
func bookingProblem(b *acv3.Booking, f *acv3.BookingFailure, err error, wantStart int64) string {
	switch {
	case err != nil:
		return err.Error()
	case f != nil:
		return fmt.Sprintf("booking_failure %s (%s)", f.GetCause(), f.GetDescription())
	case b.GetBookingId() == "":
		return "answer has neither a booking nor a booking_failure"
	case wantStart != 0 && b.GetSlot().GetStartSec() != wantStart:
		return fmt.Sprintf("booking %s is at %d, want %d", b.GetBookingId(), b.GetSlot().GetStartSec(), wantStart)
	case b.GetStatus() != acv3.BookingStatus_CONFIRMED && b.GetStatus() != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION:
		return fmt.Sprintf("booking %s has status %s", b.GetBookingId(), b.GetStatus())
	}
	return ""
}

func countStatuses(m map[acv3.BookingStatus]int) string {
	var parts []string
	for _, st := range []acv3.BookingStatus{acv3.BookingStatus_CONFIRMED, acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION} {
		if m[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s×%d", st, m[st]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// firstFew joins the first three problems.
func firstFew(problems []string) string {
	if len(problems) > 3 {
		return strings.Join(problems[:3], "; ") + fmt.Sprintf("; and %d more", len(problems)-3)
	}
	return strings.Join(problems, "; ")
}
