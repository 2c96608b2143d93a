package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// FeedStatusClient reads Google's processing status of a feed file we uploaded to a
// dropbox: inventory.partners.feeds.getStatus of the Maps Booking API v1alpha,
//
//	GET {base}/v1alpha/inventory/partners/{p}/feeds/{merchants|services|availability}/{fileName}/status
//
// answering a FeedStatus {name, state (STATE_UNSPECIFIED, IN_PROGRESS, SUCCESS,
// FAILURE), errorDetails, statistics {newItems, existingItems, deletedItems} (int64 as
// strings)}. It shares the notifier's OAuth2 client (same scope).
type FeedStatusClient struct {
	Client    *http.Client
	BaseURL   string
	PartnerID string
}

// feedStatus is Google's FeedStatus JSON.
type feedStatus struct {
	State        string `json:"state"`
	ErrorDetails string `json:"errorDetails"`
	Statistics   struct {
		NewItems      string `json:"newItems"`
		ExistingItems string `json:"existingItems"`
		DeletedItems  string `json:"deletedItems"`
	} `json:"statistics"`
}

// FeedStatus returns the status of the file fileName of feed ("merchants", "services"
// or "availability"); an *HTTPError when Google answered another status than 200
// (404: not processed yet).
func (c FeedStatusClient) FeedStatus(ctx context.Context, feed, fileName string) (*bsv1.FeedStatusRecord, error) {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u := strings.TrimSuffix(base, "/") + "/v1alpha/inventory/partners/" + url.PathEscape(c.PartnerID) + "/feeds/" +
		url.PathEscape(feed) + "/" + url.PathEscape(fileName) + "/status"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(raw[:min(len(raw), 2048)]))}
	}
	var fs feedStatus
	if err := json.Unmarshal(raw, &fs); err != nil {
		return nil, fmt.Errorf("feed status of %s: %w", fileName, err)
	}
	rec := &bsv1.FeedStatusRecord{State: fs.State, ErrorDetails: fs.ErrorDetails}
	for _, n := range []struct {
		s   string
		dst *int64
	}{{fs.Statistics.NewItems, &rec.NewItems}, {fs.Statistics.ExistingItems, &rec.ExistingItems}, {fs.Statistics.DeletedItems, &rec.DeletedItems}} {
		if n.s != "" {
			if *n.dst, err = strconv.ParseInt(n.s, 10, 64); err != nil {
				return nil, fmt.Errorf("feed status of %s: statistics %q: %w", fileName, n.s, err)
			}
		}
	}
	return rec, nil
}
