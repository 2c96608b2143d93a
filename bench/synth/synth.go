// Package synth generates synthetic merchant, service and availability feeds for load
// tests and benchmarks: several merchants, several services each, and explicit
// 30-minute slots with plentiful spots, laid out so that a test can name any slot by
// its index without reading the feed back.
package synth

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// Params shapes a synthetic feed set.
type Params struct {
	// Slots is the number of explicit availability slots.
	Slots int
	// Merchants is the number of merchants (default 20).
	Merchants int
	// ServicesPerMerchant is the number of services of each merchant (default 5).
	ServicesPerMerchant int
	// Spots is spots_total and spots_open of every slot (default 1000): plentiful, so
	// that load tests do not fail for capacity.
	Spots int
	// StartSec is the first slot's start (default 2030-01-07T08:00Z, a Monday).
	StartSec int64
	// GenerationTimestamp is every feed's metadata.generation_timestamp.
	GenerationTimestamp int64
}

// DefaultStartSec is 2030-01-07T08:00:00Z: far enough ahead that every slot is bookable.
const DefaultStartSec int64 = 1894003200

// SlotDurationSec is every generated slot's duration (30 minutes).
const SlotDurationSec int64 = 1800

// withDefaults fills the zero fields.
func (p Params) withDefaults() Params {
	if p.Merchants <= 0 {
		p.Merchants = 20
	}
	if p.ServicesPerMerchant <= 0 {
		p.ServicesPerMerchant = 5
	}
	if p.Spots <= 0 {
		p.Spots = 1000
	}
	if p.StartSec == 0 {
		p.StartSec = DefaultStartSec
	}
	if p.GenerationTimestamp == 0 {
		p.GenerationTimestamp = 1795392000
	}
	return p
}

// Layout answers where the i-th slot of a feed set is, so that load generators can
// address slots without parsing the feed.
type Layout struct{ p Params }

// NewLayout returns the layout of the feeds generated with p.
func NewLayout(p Params) Layout { return Layout{p.withDefaults()} }

// Params returns the parameters with defaults filled in.
func (l Layout) Params() Params { return l.p }

// Series is the number of (merchant, service) pairs.
func (l Layout) Series() int { return l.p.Merchants * l.p.ServicesPerMerchant }

// SlotsPerSeries is the number of consecutive start times of each service (rounded up).
func (l Layout) SlotsPerSeries() int { return (l.p.Slots + l.Series() - 1) / l.Series() }

// MerchantID is the id of merchant m, e.g. "merchant-0007".
func MerchantID(m int) string { return fmt.Sprintf("merchant-%04d", m) }

// ServiceID is the id of service s of merchant m, e.g. "merchant-0007-svc-03".
func ServiceID(m, s int) string { return fmt.Sprintf("merchant-%04d-svc-%02d", m, s) }

// StaffID is the staff member of service s of merchant m.
func StaffID(m, s int) string { return fmt.Sprintf("staff-%04d-%02d", m, s) }

// Slot returns the merchant, service and start of the i-th slot. Slot i belongs to
// series i mod Series() and is that series' (i / Series())-th start: neighbouring
// indexes spread over every merchant and service, like real traffic.
func (l Layout) Slot(i int) (merchant, service int, startSec int64) {
	series := i % l.Series()
	return series / l.p.ServicesPerMerchant, series % l.p.ServicesPerMerchant,
		l.p.StartSec + int64(i/l.Series())*SlotDurationSec
}

// metadata writes a feed's metadata object.
func (l Layout) metadata(w io.Writer) {
	fmt.Fprintf(w, `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","shard_number":0,"total_shards":1,"nonce":"%d","generation_timestamp":%d}`,
		l.p.GenerationTimestamp, l.p.GenerationTimestamp)
}

// MerchantFeed writes the merchant feed.
func (l Layout) MerchantFeed(w io.Writer) error {
	var b bytes.Buffer
	l.metadata(&b)
	b.WriteString(`,"merchant":[`)
	for m := range l.p.Merchants {
		if m > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"merchant_id":%q,"name":"Synthetic Salon %d","telephone":"+1 212-555-%04d","category":"beauty_salon",`+
			`"geo":{"latitude":40.74,"longitude":-73.98,"address":{"country":"US","locality":"New York","region":"NY","postal_code":"10010","street_address":"%d Example Ave"}}}`,
			MerchantID(m), m, m%10000, 100+m)
	}
	b.WriteString("]}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// ServiceFeed writes the service feed: pay-on-arrival services with a price, bookable
// until 10 minutes before the start.
func (l Layout) ServiceFeed(w io.Writer) error {
	var b bytes.Buffer
	l.metadata(&b)
	b.WriteString(`,"service":[`)
	for m := range l.p.Merchants {
		for s := range l.p.ServicesPerMerchant {
			if m+s > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, `{"merchant_id":%q,"service_id":%q,"name":"Service %d of merchant %d",`+
				`"price":{"price_micros":"%d","currency_code":"USD"},"rules":{"min_advance_booking":"600","min_advance_online_canceling":"3600"}}`,
				MerchantID(m), ServiceID(m, s), s, m, int64(15+5*s)*1_000_000)
		}
	}
	b.WriteString("]}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// AvailabilityFeed writes the availability feed: Slots explicit slots, one
// service_availability per service, in start order.
func (l Layout) AvailabilityFeed(w io.Writer) error {
	bw := &errWriter{w: w}
	var b []byte
	b = fmt.Appendf(b, `{"metadata":{"processing_instruction":"PROCESS_AS_COMPLETE","shard_number":0,"total_shards":1,"nonce":"%d","generation_timestamp":%d},"service_availability":[`,
		l.p.GenerationTimestamp, l.p.GenerationTimestamp)
	spots := strconv.Itoa(l.p.Spots)
	for series := range l.Series() {
		m, s := series/l.p.ServicesPerMerchant, series%l.p.ServicesPerMerchant
		if series > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, `{"availability":[`...)
		first := true
		for i := series; i < l.p.Slots; i += l.Series() {
			_, _, start := l.Slot(i)
			if !first {
				b = append(b, ",\n"...)
			}
			first = false
			b = append(b, `{"merchant_id":"`...)
			b = append(b, MerchantID(m)...)
			b = append(b, `","service_id":"`...)
			b = append(b, ServiceID(m, s)...)
			b = append(b, `","start_sec":"`...)
			b = strconv.AppendInt(b, start, 10)
			b = append(b, `","duration_sec":"1800","spots_total":"`...)
			b = append(b, spots...)
			b = append(b, `","spots_open":"`...)
			b = append(b, spots...)
			b = append(b, `","resources":{"staff_id":"`...)
			b = append(b, StaffID(m, s)...)
			b = append(b, `"}}`...)
			if len(b) > 1<<20 {
				bw.write(b)
				b = b[:0]
			}
		}
		b = append(b, "]}"...)
	}
	b = append(b, "]}\n"...)
	bw.write(b)
	return bw.err
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

// Bytes returns the three feeds in memory: merchant, service, availability.
func (l Layout) Bytes() (merchants, services, availability []byte) {
	var m, s, a bytes.Buffer
	_ = l.MerchantFeed(&m) // a bytes.Buffer never fails
	_ = l.ServiceFeed(&s)
	a.Grow(l.p.Slots * 200)
	_ = l.AvailabilityFeed(&a)
	return m.Bytes(), s.Bytes(), a.Bytes()
}

// Feed is one generated feed with its kind.
type Feed struct {
	Kind bsv1.FeedKind
	Data []byte
}

// Feeds returns the three feeds in memory in the order a store loads them:
// merchant, service, availability.
func (l Layout) Feeds() []Feed {
	m, s, a := l.Bytes()
	return []Feed{{bsv1.FeedKind_FEED_KIND_MERCHANT, m}, {bsv1.FeedKind_FEED_KIND_SERVICE, s}, {bsv1.FeedKind_FEED_KIND_AVAILABILITY, a}}
}
