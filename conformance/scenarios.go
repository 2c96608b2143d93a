package conformance

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// replay: the first CreateBooking sent again with the same idempotency token answers
// the identical response (and books nothing new: list_bookings checks the count).
func (r *runner) replay(ctx context.Context) (string, error) {
	first := r.booked[0]
	cctx, cancel := r.rpc(ctx)
	defer cancel()
	resp, err := r.cfg.Client.CreateBooking(cctx, first.req)
	if err != nil {
		return "", fmt.Errorf("replay of token %s failed: %w", first.req.GetIdempotencyToken(), err)
	}
	if !proto.Equal(resp, first.resp) {
		return "", fmt.Errorf("replay of token %s answered differently: first booking %q %s, replay booking %q %s (failure %s)",
			first.req.GetIdempotencyToken(), first.id, first.resp.GetBooking().GetStatus(),
			resp.GetBooking().GetBookingId(), resp.GetBooking().GetStatus(), resp.GetBookingFailure().GetCause())
	}
	return fmt.Sprintf("same token %s answered the identical booking %s", first.req.GetIdempotencyToken(), first.id), nil
}

// rescheduleTarget is an available slot of the same merchant, service and staff as b
// that the run has not booked, nearest in time.
func (r *runner) rescheduleTarget(b *created) *acv3.Availability {
	taken := map[*acv3.Availability]bool{}
	for _, c := range r.booked {
		taken[c.slot] = true
	}
	var best *acv3.Availability
	for _, s := range r.available {
		if taken[s] || s.GetMerchantId() != b.slot.GetMerchantId() || s.GetServiceId() != b.slot.GetServiceId() ||
			s.GetResources().GetStaffId() != b.slot.GetResources().GetStaffId() {
			continue
		}
		if best == nil || abs(s.GetStartSec()-b.slot.GetStartSec()) < abs(best.GetStartSec()-b.slot.GetStartSec()) {
			best = s
		}
	}
	return best
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// reschedule: UpdateBooking moves the first booking to another slot of its service,
// then back.
func (r *runner) reschedule(ctx context.Context) (string, error) {
	b := r.booked[0]
	to := r.rescheduleTarget(b)
	if to == nil {
		return "", fmt.Errorf("no other available slot of %s/%s to reschedule to: give a feed with more slots", b.slot.GetMerchantId(), b.slot.GetServiceId())
	}
	for _, step := range []struct {
		name string
		slot *acv3.Availability
	}{{"to " + slotName(to), to}, {"back to " + slotName(b.slot), b.slot}} {
		cctx, cancel := r.rpc(ctx)
		resp, err := r.cfg.Client.UpdateBooking(cctx, &acv3.UpdateBookingRequest{
			Booking: &acv3.Booking{BookingId: b.id, Slot: bookingSlot(step.slot)},
		})
		cancel()
		if why := bookingProblem(resp.GetBooking(), resp.GetBookingFailure(), err, step.slot.GetStartSec()); why != "" {
			return "", fmt.Errorf("reschedule of %s %s: %s", b.id, step.name, why)
		}
	}
	return fmt.Sprintf("booking %s moved to %s and back", b.id, slotName(to)), nil
}

// list: ListBookings of the run's user holds every live booking made, once, and
// nothing else: Google's ListBookings returns no cancelled (or past) booking, so one the
// run cancelled must be gone.
func (r *runner) list(ctx context.Context) (string, error) {
	cctx, cancel := r.rpc(ctx)
	defer cancel()
	resp, err := r.cfg.Client.ListBookings(cctx, &acv3.ListBookingsRequest{UserId: r.user})
	if err != nil {
		return "", fmt.Errorf("ListBookings failed: %w", err)
	}
	seen := map[string]int{}
	for _, b := range resp.GetBookings() {
		seen[b.GetBookingId()]++
	}
	var problems []string
	live, cancelled := 0, 0
	for _, c := range r.booked {
		switch {
		case c.cancelled && seen[c.id] > 0:
			problems = append(problems, fmt.Sprintf("cancelled booking %s still listed", c.id))
		case c.cancelled:
			cancelled++
		case seen[c.id] != 1:
			problems = append(problems, fmt.Sprintf("booking %s listed %d times", c.id, seen[c.id]))
		default:
			live++
		}
		delete(seen, c.id)
	}
	for id := range seen {
		problems = append(problems, fmt.Sprintf("unexpected booking %s (a replay that booked twice?)", id))
	}
	if len(problems) > 0 {
		return "", fmt.Errorf("ListBookings of %s: %s", r.user, firstFew(problems))
	}
	return fmt.Sprintf("ListBookings returned the %d live bookings of %s, none of the %d cancelled", live, r.user, cancelled), nil
}

// status: GetBookingStatus answers each booking as confirmed or pending.
func (r *runner) status(ctx context.Context) (string, error) {
	var problems []string
	for _, c := range r.booked {
		cctx, cancel := r.rpc(ctx)
		resp, err := r.cfg.Client.GetBookingStatus(cctx, &acv3.GetBookingStatusRequest{BookingId: c.id})
		cancel()
		switch st := resp.GetBookingStatus(); {
		case err != nil:
			problems = append(problems, err.Error())
		case resp.GetBookingId() != "" && resp.GetBookingId() != c.id:
			problems = append(problems, fmt.Sprintf("asked %s, answered %s", c.id, resp.GetBookingId()))
		case st != acv3.BookingStatus_CONFIRMED && st != acv3.BookingStatus_PENDING_MERCHANT_CONFIRMATION:
			problems = append(problems, fmt.Sprintf("booking %s has status %s", c.id, st))
		}
	}
	summary := fmt.Sprintf("errors %d/%d", len(problems), len(r.booked))
	if len(problems) > 0 {
		return "", fmt.Errorf("GetBookingStatus %s: %s", summary, firstFew(problems))
	}
	return "GetBookingStatus " + summary, nil
}

// cancel cancels one booking; an already cancelled booking counts as cancelled.
func (r *runner) cancel(ctx context.Context, c *created) error {
	cctx, cancel := r.rpc(ctx)
	defer cancel()
	resp, err := r.cfg.Client.UpdateBooking(cctx, &acv3.UpdateBookingRequest{
		Booking: &acv3.Booking{BookingId: c.id, Status: acv3.BookingStatus_CANCELED},
	})
	switch {
	case err != nil:
		return err
	case resp.GetBookingFailure().GetCause() == acv3.BookingFailure_BOOKING_ALREADY_CANCELLED:
	case resp.GetBookingFailure() != nil:
		f := resp.GetBookingFailure()
		return fmt.Errorf("booking_failure %s (%s)", f.GetCause(), f.GetDescription())
	case resp.GetBooking().GetStatus() != acv3.BookingStatus_CANCELED:
		return fmt.Errorf("answered status %s, want CANCELED", resp.GetBooking().GetStatus())
	}
	c.cancelled = true
	return nil
}

// cancelOne: UpdateBooking with status CANCELED cancels the first booking, and
// GetBookingStatus then says CANCELED.
func (r *runner) cancelOne(ctx context.Context) (string, error) {
	c := r.booked[0]
	if err := r.cancel(ctx, c); err != nil {
		return "", fmt.Errorf("cancel %s: %w", c.id, err)
	}
	cctx, cancel := r.rpc(ctx)
	defer cancel()
	resp, err := r.cfg.Client.GetBookingStatus(cctx, &acv3.GetBookingStatusRequest{BookingId: c.id})
	if err != nil {
		return "", fmt.Errorf("status after cancel of %s: %w", c.id, err)
	}
	if resp.GetBookingStatus() != acv3.BookingStatus_CANCELED {
		return "", fmt.Errorf("booking %s cancelled, but GetBookingStatus says %s", c.id, resp.GetBookingStatus())
	}
	return fmt.Sprintf("booking %s cancelled; status CANCELED", c.id), nil
}

// cancelAll cancels every booking the run made and has not cancelled yet.
func (r *runner) cancelAll(ctx context.Context) (string, error) {
	var errs []error
	n := 0
	for _, c := range r.booked {
		if c.cancelled {
			continue
		}
		n++
		if err := r.cancel(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.id, err))
		}
	}
	if len(errs) > 0 {
		return "", fmt.Errorf("%d/%d cancellations failed: %w", len(errs), n, errors.Join(errs...))
	}
	return fmt.Sprintf("%d booking(s) of this run cancelled (%d made in all)", n, len(r.booked)), nil
}
