package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// v1alphaBooking is the Maps Booking API v1alpha Booking, as much of it as a
// notification carries (lowerCamelCase JSON, as Google's REST API expects).
type v1alphaBooking struct {
	Name               string                     `json:"name"`
	MerchantID         string                     `json:"merchantId"`
	ServiceID          string                     `json:"serviceId"`
	StartTime          string                     `json:"startTime,omitempty"`
	Duration           string                     `json:"duration,omitempty"`
	PartySize          int32                      `json:"partySize,omitempty"`
	Status             string                     `json:"status,omitempty"`
	PaymentInformation *v1alphaPaymentInformation `json:"paymentInformation,omitempty"`
}

// v1alphaPaymentInformation is the part of v1alpha PaymentInformation we send.
type v1alphaPaymentInformation struct {
	PrepaymentStatus     string `json:"prepaymentStatus,omitempty"`
	PaymentTransactionID string `json:"paymentTransactionId,omitempty"`
}

// resourceName is "partners/{partner}/bookings/{booking}".
func resourceName(partnerID, bookingID string) string {
	return "partners/" + url.PathEscape(partnerID) + "/bookings/" + url.PathEscape(bookingID)
}

// body is the v1alpha Booking for n. It carries every field of the snapshot; the
// updateMask tells Google which of them changed.
func body(partnerID string, n *bsv1.Notification) v1alphaBooking {
	b := v1alphaBooking{
		Name:       resourceName(partnerID, n.GetBookingId()),
		MerchantID: n.GetMerchantId(),
		ServiceID:  n.GetServiceId(),
		PartySize:  n.GetPartySize(),
	}
	if n.GetStartSec() != 0 {
		b.StartTime = time.Unix(n.GetStartSec(), 0).UTC().Format(time.RFC3339)
	}
	if n.GetDurationSec() != 0 {
		b.Duration = strconv.FormatInt(n.GetDurationSec(), 10) + "s"
	}
	if n.GetStatus() != acv3.BookingStatus_BOOKING_STATUS_UNSPECIFIED {
		b.Status = n.GetStatus().String()
	}
	if n.GetPrepaymentStatus() != acv3.PrepaymentStatus_PREPAYMENT_STATUS_UNSPECIFIED || n.GetPaymentTransactionId() != "" {
		b.PaymentInformation = &v1alphaPaymentInformation{PaymentTransactionID: n.GetPaymentTransactionId()}
		if n.GetPrepaymentStatus() != acv3.PrepaymentStatus_PREPAYMENT_STATUS_UNSPECIFIED {
			b.PaymentInformation.PrepaymentStatus = n.GetPrepaymentStatus().String()
		}
	}
	return b
}

// newRequest builds the PATCH for n.
func newRequest(ctx context.Context, baseURL, partnerID string, n *bsv1.Notification) (*http.Request, error) {
	raw, err := json.Marshal(body(partnerID, n))
	if err != nil {
		return nil, Permanent(fmt.Errorf("encode booking: %w", err))
	}
	u := strings.TrimSuffix(baseURL, "/") + "/v1alpha/notification/" + resourceName(partnerID, n.GetBookingId()) +
		"?updateMask=" + url.QueryEscape(strings.Join(n.GetUpdateMask(), ","))
	req, err := http.NewRequestWithContext(ctx, http.MethodPatch, u, bytes.NewReader(raw))
	if err != nil {
		return nil, Permanent(fmt.Errorf("build request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// send delivers n once: nil on a 2xx, an *HTTPError on another answer, the
// transport's (or token source's) error when no answer came.
func send(ctx context.Context, client *http.Client, baseURL, partnerID string, n *bsv1.Notification) error {
	req, err := newRequest(ctx, baseURL, partnerID, n)
	if err != nil {
		return err
	}
	return do(client, req)
}

// do sends req: nil on a 2xx, an *HTTPError on another answer, the transport's (or
// token source's) error when no answer came. Every call to the Maps Booking API goes
// through it, so all of them are judged alike by Decide.
func do(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // reuse the connection
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &HTTPError{StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(msg))}
}
