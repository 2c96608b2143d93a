package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// BatchAvailability answers BatchAvailabilityLookup: exactly one answer per slot time,
// echoing it. An unknown merchant or service is a caller error (HTTP 400), as Google's
// reference says; a slot time not in the feed is simply unavailable.
func (s *Service) BatchAvailability(ctx context.Context, req *acv3.BatchAvailabilityLookupRequest) (*acv3.BatchAvailabilityLookupResponse, error) {
	if req.GetMerchantId() == "" {
		return nil, fmt.Errorf("merchant_id is required: %w", ErrInvalid)
	}
	resp := &acv3.BatchAvailabilityLookupResponse{SlotTimeAvailability: make([]*acv3.SlotTimeAvailability, len(req.GetSlotTime()))}
	now := s.now()
	err := s.store.View(ctx, func(tx ReadTx) error {
		if err := knownMerchant(tx, req.GetMerchantId()); err != nil {
			return err
		}
		services := map[string]*acv3.Service{}
		spots := newSpotCounter(tx, now)
		for i, st := range req.GetSlotTime() {
			q := queryFromSlotTime(req.GetMerchantId(), st)
			if q.problem() != "" {
				return q.validate(fmt.Sprintf("slot_time[%d]", i))
			}
			svc, seen := services[q.serviceID]
			if !seen {
				var err error
				if svc, err = serviceOf(tx, q.merchantID, q.serviceID); err != nil {
					return err
				}
				services[q.serviceID] = svc
			}
			open, err := spots.open(svc, q)
			if err != nil {
				return err
			}
			resp.SlotTimeAvailability[i] = &acv3.SlotTimeAvailability{SlotTime: st, Available: open > 0}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// CheckAvailability answers the legacy CheckAvailability with the open spot count.
func (s *Service) CheckAvailability(ctx context.Context, req *acv3.CheckAvailabilityRequest) (*acv3.CheckAvailabilityResponse, error) {
	q := queryFromSlot(req.GetSlot())
	if err := q.validate("slot"); err != nil {
		return nil, err
	}
	var open int64
	err := s.store.View(ctx, func(tx ReadTx) error {
		svc, err := catalogService(tx, q.merchantID, q.serviceID)
		if err != nil {
			return err
		}
		open, err = openSpots(tx, s.now(), svc, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &acv3.CheckAvailabilityResponse{Slot: req.GetSlot(), CountAvailable: int32(min(open, 1<<31-1))}, nil
}

// openSpots is the number of spots a booking for q could take now: the open count of
// the best matching slot if it is bookable now, else 0.
func openSpots(tx ReadTx, now time.Time, svc *acv3.Service, q slotQuery) (int64, error) {
	return newSpotCounter(tx, now).open(svc, q)
}

// openSpotsOfSlots is openSpots from decoded slots, for a ReadTx without summaries.
func openSpotsOfSlots(tx ReadTx, now time.Time, svc *acv3.Service, q slotQuery) (int64, error) {
	best, ok, err := findSlot(tx, q)
	if err != nil || !ok {
		return 0, err
	}
	if bookableNow, _ := bookable(now, svc, best.Availability); !bookableNow {
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

// Get returns a booking record.
func (s *Service) Get(ctx context.Context, bookingID string) (*bsv1.BookingRecord, error) {
	var rec *bsv1.BookingRecord
	err := s.store.View(ctx, func(tx ReadTx) error {
		var err error
		rec, err = tx.Booking(bookingID)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("booking %q: %w", bookingID, ErrNotFound)
	}
	return rec, err
}

// List answers ListBookings: the user's upcoming bookings (not yet ended), newest first.
// An unknown user has none.
func (s *Service) List(ctx context.Context, userID string) (*acv3.ListBookingsResponse, error) {
	if userID == "" {
		return nil, fmt.Errorf("user_id is required: %w", ErrInvalid)
	}
	now := s.now().Unix()
	resp := &acv3.ListBookingsResponse{}
	err := s.store.View(ctx, func(tx ReadTx) error {
		return tx.BookingsByUser(userID, func(r *bsv1.BookingRecord) bool {
			if sl := r.GetBooking().GetSlot(); sl.GetStartSec()+sl.GetDurationSec() > now {
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
