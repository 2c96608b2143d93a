package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/bookingserver/bookingserver/booking"
	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
)

// The availability RTU is inventory.partners.availability.replace of the Maps Booking
// API v1alpha:
//
//	POST {base}/v1alpha/inventory/partners/{partner_id}/availability:replace
//	{"extendedServiceAvailability": [{merchantId, serviceId, startTimeRestrict,
//	  endTimeRestrict, durationRestrict, resourcesRestrict, availability: [...]}]}
//
// (developers.google.com/maps-booking/reference/maps-booking-api/rest/v1alpha/
// inventory.partners.availability/replace). Every existing slot of the service whose
// start is in [startTimeRestrict, endTimeRestrict) is replaced by availability[]; the
// call is not atomic across entries, and unknown merchant or service ids are not
// refused. We send every slot of the window, whatever its duration and resources, so
// durationRestrict and resourcesRestrict (which would narrow what is replaced) are
// left out. Timestamps are RFC 3339, durations "1800s", int64 values strings, names
// lowerCamelCase: the v1alpha JSON, unlike the booking server's snake_case.

// extendedServiceAvailability is one entry of the replace call.
type extendedServiceAvailability struct {
	MerchantID        string            `json:"merchantId"`
	ServiceID         string            `json:"serviceId"`
	StartTimeRestrict string            `json:"startTimeRestrict"`
	EndTimeRestrict   string            `json:"endTimeRestrict"`
	Availability      []json.RawMessage `json:"availability"`
}

// replaceBody is the availability:replace request.
type replaceBody struct {
	ExtendedServiceAvailability []extendedServiceAvailability `json:"extendedServiceAvailability"`
}

// rfc3339 formats Unix seconds as Google's Timestamp JSON.
func rfc3339(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }

// entry is the replace entry of one pending window with its current slots.
func entry(u booking.AvailabilityUpdate) (extendedServiceAvailability, error) {
	r := u.Record
	e := extendedServiceAvailability{
		MerchantID: r.GetMerchantId(), ServiceID: r.GetServiceId(),
		StartTimeRestrict: rfc3339(r.GetStartSec()), EndTimeRestrict: rfc3339(r.GetEndSec()),
		Availability: make([]json.RawMessage, 0, len(u.Slots)), // [] (not null) empties the window
	}
	for _, s := range u.Slots {
		raw, err := v1alphaAvailability(s)
		if err != nil {
			return e, err
		}
		e.Availability = append(e.Availability, raw)
	}
	return e, nil
}

// v1alphaAvailability is the v1alpha Availability of a slot as it is now: the feed's
// fields in lowerCamelCase (protojson: int64 as strings, enums by name), with
// startTime and duration instead of start_sec and duration_sec, the ids left to the
// entry, and spotsOpen what can still be booked (booking.Slot.Open, never below 0,
// always present: "0" hides the slot).
func v1alphaAvailability(s booking.Slot) (json.RawMessage, error) {
	a := proto.Clone(s.Availability).(*acv3.Availability)
	a.MerchantId, a.ServiceId, a.StartSec, a.DurationSec = "", "", 0, 0
	a.Recurrence, a.ScheduleException = nil, nil // stored slots are expanded already
	raw, err := protojson.Marshal(a)
	if err != nil {
		return nil, err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	str := func(v string) json.RawMessage { b, _ := json.Marshal(v); return b }
	fields["startTime"] = str(rfc3339(s.Availability.GetStartSec()))
	fields["duration"] = str(strconv.FormatInt(s.Availability.GetDurationSec(), 10) + "s")
	fields["spotsTotal"] = str(strconv.FormatInt(s.Availability.GetSpotsTotal(), 10))
	fields["spotsOpen"] = str(strconv.FormatInt(max(s.Open(), 0), 10))
	return json.Marshal(fields) // keys sorted: a stable body
}

// newReplaceRequest builds the availability:replace call for updates.
func newReplaceRequest(ctx context.Context, baseURL, partnerID string, updates []booking.AvailabilityUpdate) (*http.Request, error) {
	body := replaceBody{ExtendedServiceAvailability: make([]extendedServiceAvailability, 0, len(updates))}
	for _, u := range updates {
		e, err := entry(u)
		if err != nil {
			return nil, Permanent(fmt.Errorf("encode availability of %s/%s: %w", u.Record.GetMerchantId(), u.Record.GetServiceId(), err))
		}
		body.ExtendedServiceAvailability = append(body.ExtendedServiceAvailability, e)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, Permanent(fmt.Errorf("encode availability replace: %w", err))
	}
	u := strings.TrimSuffix(baseURL, "/") + "/v1alpha/inventory/partners/" + url.PathEscape(partnerID) + "/availability:replace"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(raw))
	if err != nil {
		return nil, Permanent(fmt.Errorf("build request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}
