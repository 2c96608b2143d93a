package booking

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// BatchAvailability answers BatchAvailabilityLookup: exactly one answer per slot time,
// echoing it. An unknown merchant or service is a caller error (HTTP 400), as Google's
// reference says; a slot time not in the feed is simply unavailable.
//
// The slot times are checked in request order (so the error is the first one's), then
// answered in key order, which the store serves with fewer B+tree searches.
func (s *Service) BatchAvailability(ctx context.Context, req *acv3.BatchAvailabilityLookupRequest) (*acv3.BatchAvailabilityLookupResponse, error) {
	if req.GetMerchantId() == "" {
		return nil, fmt.Errorf("merchant_id is required: %w", ErrInvalid)
	}
	times := req.GetSlotTime()
	// One allocation for the answers rather than one each.
	answers := make([]acv3.SlotTimeAvailability, len(times))
	resp := &acv3.BatchAvailabilityLookupResponse{SlotTimeAvailability: make([]*acv3.SlotTimeAvailability, len(times))}
	for i, st := range times {
		answers[i].SlotTime = st
		resp.SlotTimeAvailability[i] = &answers[i]
	}
	now := s.now()
	err := s.store.View(ctx, func(tx ReadTx) error {
		spots := newSpotCounter(tx, now)
		if err := spots.knownMerchant(req.GetMerchantId()); err != nil {
			return err
		}
		queries := make([]batchQuery, len(times))
		order := make([]*batchQuery, len(times)) // sorted: pointers swap faster than queries
		services := map[string]ServiceSummary{}
		for i, st := range times {
			q := queryFromSlotTime(req.GetMerchantId(), st)
			if q.problem() != "" {
				return q.validate(fmt.Sprintf("slot_time[%d]", i))
			}
			svc, seen := services[q.serviceID]
			if !seen {
				var err error
				if svc, err = spots.service(q.merchantID, q.serviceID); err != nil {
					return err
				}
				services[q.serviceID] = svc
			}
			queries[i] = batchQuery{q: q, svc: svc, index: i}
			order[i] = &queries[i]
		}
		slices.SortFunc(order, compareBatchQueries)
		for _, b := range order {
			open, err := spots.open(b.svc, b.q)
			if err != nil {
				return err
			}
			answers[b.index].Available = open > 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// batchQuery is one slot time of a BatchAvailabilityLookup, checked, with its
// service and its position in the request.
type batchQuery struct {
	q     slotQuery
	svc   ServiceSummary
	index int
}

// compareBatchQueries orders slot times as the store's slot keys: by service, start
// and duration (0, any duration, first: its scan prefix is the shorter one), then
// by position for determinism.
func compareBatchQueries(a, b *batchQuery) int {
	if c := strings.Compare(a.q.serviceID, b.q.serviceID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.q.startSec, b.q.startSec); c != 0 {
		return c
	}
	if c := cmp.Compare(a.q.durationSec, b.q.durationSec); c != 0 {
		return c
	}
	return cmp.Compare(a.index, b.index)
}

// CheckAvailability answers the legacy CheckAvailability with the open spot count.
func (s *Service) CheckAvailability(ctx context.Context, req *acv3.CheckAvailabilityRequest) (*acv3.CheckAvailabilityResponse, error) {
	q := queryFromSlot(req.GetSlot())
	if err := q.validate("slot"); err != nil {
		return nil, err
	}
	var open int64
	err := s.store.View(ctx, func(tx ReadTx) error {
		spots := newSpotCounter(tx, s.now())
		if err := spots.knownMerchant(q.merchantID); err != nil {
			return err
		}
		svc, err := spots.service(q.merchantID, q.serviceID)
		if err != nil {
			return err
		}
		open, err = spots.open(svc, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &acv3.CheckAvailabilityResponse{Slot: req.GetSlot(), CountAvailable: int32(min(open, 1<<31-1))}, nil
}

// openSpotsOfSlots is the number of spots a booking for q could take now, from
// decoded slots, for a ReadTx without summaries: the open count of the best matching
// slot if it is bookable now under svc's rules, else 0.
func openSpotsOfSlots(tx ReadTx, now time.Time, svc ServiceSummary, q slotQuery) (int64, error) {
	best, ok, err := findSlot(tx, q)
	if err != nil || !ok {
		return 0, err
	}
	o := best.Availability.GetSchedulingRuleOverrides()
	if bookableNow, _ := bookableAt(now.Unix(), svc, best.Availability.GetStartSec(), best.Availability.GetDurationSec(), o.GetFirstBookableSec(), o.GetLastBookableSec()); !bookableNow {
		return 0, nil
	}
	return max(best.Open(), 0), nil
}

// Status answers GetBookingStatus.
func (s *Service) Status(ctx context.Context, bookingID string) (*acv3.GetBookingStatusResponse, error) {
	if bookingID == "" {
		return nil, fmt.Errorf("booking_id is required: %w", ErrInvalid)
	}
	rec, err := s.Get(ctx, bookingID)
	if err != nil {
		return nil, err
	}
	b := rec.GetBooking()
	return &acv3.GetBookingStatusResponse{
		BookingId:        b.GetBookingId(),
		BookingStatus:    b.GetStatus(),
		PrepaymentStatus: b.GetPaymentInformation().GetPrepaymentStatus(),
	}, nil
}

// Get returns a booking record in the caller's scope (ScopeOf).
func (s *Service) Get(ctx context.Context, bookingID string) (*bsv1.BookingRecord, error) {
	var rec *bsv1.BookingRecord
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		rec, err = scopedBooking(tx, ScopeOf(ctx), bookingID)
		return err
	})
	return rec, err
}

// List answers ListBookings: the user's upcoming bookings, newest first. Google's
// ListBookings page says it "should not return past bookings or cancelled bookings": a
// booking is upcoming while it is live (CONFIRMED or PENDING_MERCHANT_CONFIRMATION, see
// HoldsSpot) and its slot has not ended. CANCELED, DECLINED_BY_MERCHANT, FAILED, NO_SHOW
// and NO_SHOW_PENALIZED are final and never listed. An unknown user has none.
func (s *Service) List(ctx context.Context, userID string) (*acv3.ListBookingsResponse, error) {
	if userID == "" {
		return nil, fmt.Errorf("user_id is required: %w", ErrInvalid)
	}
	now := s.now().Unix()
	resp := &acv3.ListBookingsResponse{}
	err := s.store.View(ctx, func(tx ReadTx) error {
		return tx.BookingsByUser(userID, func(r *bsv1.BookingRecord) bool {
			b := r.GetBooking()
			if sl := b.GetSlot(); HoldsSpot(b.GetStatus()) && sl.GetStartSec()+sl.GetDurationSec() > now {
				resp.Bookings = append(resp.Bookings, r.GetBooking())
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
