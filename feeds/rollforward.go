package feeds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// week is the step RollForward moves availability by: whole weeks keep every slot on
// its weekday and (outside DST changes) its local time.
const week = 7 * 24 * time.Hour

// availabilityTimes are the availability feed's fields that hold an instant (Unix
// seconds), in both spellings the parser accepts.
var availabilityTimes = map[string]bool{
	"start_sec": true, "startSec": true,
	"end_sec": true, "endSec": true,
	"repeat_until_sec": true, "repeatUntilSec": true,
	"start_timestamp_restrict": true, "startTimestampRestrict": true,
	"end_timestamp_restrict": true, "endTimestampRestrict": true,
}

// RollForward moves an availability feed's slots forward by whole weeks so that its
// first slot starts within the week after now, and stamps it generated at now (so it
// replaces an earlier roll). A feed whose first slot is still ahead is moved by zero
// weeks. It is how a demo serves bookable example slots whatever today's date is; the
// rest of the JSON (durations, spots, prices, unknown fields) is kept as it was.
func RollForward(data []byte, now time.Time) (out []byte, shift time.Duration, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var feed map[string]any
	if err := dec.Decode(&feed); err != nil {
		return nil, 0, fmt.Errorf("availability feed: %w", err)
	}
	avail, ok := feed["service_availability"]
	if !ok {
		avail = feed["serviceAvailability"]
	}
	first := int64(-1)
	walkTimes(avail, func(key string, v int64) int64 {
		if (key == "start_sec" || key == "startSec") && (first < 0 || v < first) {
			first = v
		}
		return v
	})
	if first < 0 {
		return nil, 0, errors.New("availability feed: no slots to roll forward")
	}
	if behind := now.Unix() - first; behind > 0 {
		weeks := (behind + int64(week.Seconds()) - 1) / int64(week.Seconds())
		shift = time.Duration(weeks) * week
	}
	walkTimes(avail, func(_ string, v int64) int64 { return v + int64(shift.Seconds()) })
	meta, _ := feed["metadata"].(map[string]any)
	if meta == nil {
		return nil, 0, errors.New("availability feed: no metadata")
	}
	delete(meta, "generationTimestamp")
	meta["generation_timestamp"] = json.Number(strconv.FormatInt(now.Unix(), 10))
	out, err = json.MarshalIndent(feed, "", " ")
	return out, shift, err
}

// walkTimes calls fn for every instant field under v and stores what it returns,
// keeping the value's JSON type (int64 as a string or a number).
func walkTimes(v any, fn func(key string, v int64) int64) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkTimes(e, fn)
		}
	case map[string]any:
		for k, e := range x {
			if !availabilityTimes[k] {
				walkTimes(e, fn)
				continue
			}
			switch n := e.(type) {
			case string:
				if i, err := strconv.ParseInt(n, 10, 64); err == nil {
					x[k] = strconv.FormatInt(fn(k, i), 10)
				}
			case json.Number:
				if i, err := n.Int64(); err == nil {
					x[k] = json.Number(strconv.FormatInt(fn(k, i), 10))
				}
			}
		}
	}
}
