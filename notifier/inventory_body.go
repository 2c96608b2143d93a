package notifier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/bookingserver/bookingserver/booking"
)

// Merchant and service RTUs are inventory.partners.merchants and
// inventory.partners.merchants.services of the Maps Booking API v1alpha
// (developers.google.com/maps-booking/reference/maps-booking-api/rest/v1alpha/):
//
//	create  POST   {base}/v1alpha/inventory/partners/{p}/merchants?merchantId={m}
//	        POST   {base}/v1alpha/inventory/partners/{p}/merchants/{m}/services?serviceId={s}
//	patch   PATCH  {base}/v1alpha/inventory/{name}?updateMask=a,b   (FieldMask, lowerCamelCase)
//	delete  DELETE {base}/v1alpha/inventory/{name}
//
// where name is partners/{p}/merchants/{m}[/services/{s}]. The body is the v1alpha
// Merchant or Service: the feed record's fields in lowerCamelCase (protojson: int64
// as strings, enums by name), the ids moved into name, and the feed's display name
// sent as merchantName or serviceName (v1alpha's "name" is the resource name).

// inventoryName is the resource name of u's merchant or service.
func inventoryName(partnerID string, u booking.InventoryUpdate) string {
	r := u.Record
	name := "partners/" + url.PathEscape(partnerID) + "/merchants/" + url.PathEscape(r.GetMerchantId())
	if u.IsService() {
		name += "/services/" + url.PathEscape(r.GetServiceId())
	}
	return name
}

// displayNameField is v1alpha's name for the feed's "name" field of u's kind.
func displayNameField(u booking.InventoryUpdate) string {
	if u.IsService() {
		return "serviceName"
	}
	return "merchantName"
}

// inventoryBody is the v1alpha Merchant or Service JSON of u's current state.
func inventoryBody(partnerID string, u booking.InventoryUpdate) (map[string]json.RawMessage, error) {
	var rec proto.Message = u.Merchant
	if u.IsService() {
		rec = u.Service
	}
	raw, err := protojson.Marshal(rec)
	if err != nil {
		return nil, err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	delete(fields, "merchantId")
	delete(fields, "serviceId")
	if n, ok := fields["name"]; ok {
		fields[displayNameField(u)] = n
	}
	name, _ := json.Marshal(inventoryName(partnerID, u))
	fields["name"] = name
	return fields, nil
}

// updateMask is the v1alpha field mask of the feed fields that changed (the
// record's changed_fields); all the body's fields when it names none.
func updateMask(u booking.InventoryUpdate, body map[string]json.RawMessage) string {
	var mask []string
	if u.IsService() {
		mask = maskOf(u.Service.ProtoReflect().Descriptor(), u)
	} else {
		mask = maskOf(u.Merchant.ProtoReflect().Descriptor(), u)
	}
	if len(mask) == 0 {
		return allFields(body)
	}
	slices.Sort(mask)
	return strings.Join(mask, ",")
}

// allFields is the field mask of every field of body but the resource name: a patch
// that makes Google's copy equal ours.
func allFields(body map[string]json.RawMessage) string {
	var mask []string
	for k := range body {
		if k != "name" {
			mask = append(mask, k)
		}
	}
	slices.Sort(mask)
	return strings.Join(mask, ",")
}

// maskOf translates the record's changed feed fields of message d into v1alpha paths.
func maskOf(d protoreflect.MessageDescriptor, u booking.InventoryUpdate) []string {
	var mask []string
	for _, f := range u.Record.GetChangedFields() {
		fd := d.Fields().ByName(protoreflect.Name(f))
		switch {
		case fd == nil || f == "merchant_id" || f == "service_id":
			continue // not a field of this feed version, or an id (never changes)
		case f == "name":
			mask = append(mask, displayNameField(u))
		default:
			mask = append(mask, fd.JSONName())
		}
	}
	return mask
}

// inventoryRequest builds one call: method on {base}/v1alpha/inventory/{path}?query,
// with body (nil: none).
func inventoryRequest(ctx context.Context, baseURL, method, path string, query url.Values, body map[string]json.RawMessage) (*http.Request, error) {
	u := strings.TrimSuffix(baseURL, "/") + "/v1alpha/inventory/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader // nil: no body
	if body != nil {
		raw, err := json.Marshal(body) // keys sorted: a stable body
		if err != nil {
			return nil, Permanent(fmt.Errorf("encode %s: %w", path, err))
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, Permanent(fmt.Errorf("build request: %w", err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// createCall is the create call's collection path and id parameter.
func createCall(partnerID string, u booking.InventoryUpdate) (string, url.Values) {
	r := u.Record
	if u.IsService() {
		return "partners/" + url.PathEscape(partnerID) + "/merchants/" + url.PathEscape(r.GetMerchantId()) + "/services",
			url.Values{"serviceId": {r.GetServiceId()}}
	}
	return "partners/" + url.PathEscape(partnerID) + "/merchants", url.Values{"merchantId": {r.GetMerchantId()}}
}
