package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingserver/bookingserver/notifier"
)

// RegisterAvailabilityRTU exports a running availability worker's stats (read at each
// scrape): rtu_pending and rtu_dead (queue sizes), rtu_delivered_total,
// rtu_retried_total and rtu_dead_lettered_total (windows, by outcome),
// rtu_calls_total and rtu_entries_total (availability:replace calls and the windows
// they carried) and the rtu_latency_seconds histogram (change to Google's 2xx).
func (m *Metrics) RegisterAvailabilityRTU(stats func() notifier.AvailabilityStats) {
	if m == nil || stats == nil {
		return
	}
	m.reg.MustRegister(&rtuCollector{
		queue: newRTUDescs("rtu", "availability windows"),
		stats: func() (notifier.Stats, map[*prometheus.Desc]uint64) {
			s := stats()
			return s.Stats, map[*prometheus.Desc]uint64{rtuCalls: s.Calls, rtuEntries: s.Entries}
		},
		extra: []*prometheus.Desc{rtuCalls, rtuEntries},
	})
}

// RegisterInventoryRTU exports a running merchant and service RTU worker's stats:
// inventory_rtu_pending, inventory_rtu_dead, inventory_rtu_delivered_total,
// inventory_rtu_retried_total, inventory_rtu_dead_lettered_total,
// inventory_rtu_calls_total (create, patch and delete calls) and the
// inventory_rtu_latency_seconds histogram (feed load to Google's 2xx).
func (m *Metrics) RegisterInventoryRTU(stats func() notifier.InventoryStats) {
	if m == nil || stats == nil {
		return
	}
	m.reg.MustRegister(&rtuCollector{
		queue: newRTUDescs("inventory_rtu", "merchant and service updates"),
		stats: func() (notifier.Stats, map[*prometheus.Desc]uint64) {
			s := stats()
			return s.Stats, map[*prometheus.Desc]uint64{inventoryCalls: s.Calls}
		},
		extra: []*prometheus.Desc{inventoryCalls},
	})
}

var (
	rtuCalls = prometheus.NewDesc(namespace+"_rtu_calls_total",
		"availability:replace calls sent since start.", nil, nil)
	rtuEntries = prometheus.NewDesc(namespace+"_rtu_entries_total",
		"Windows (extendedServiceAvailability entries) those calls carried.", nil, nil)
	inventoryCalls = prometheus.NewDesc(namespace+"_inventory_rtu_calls_total",
		"Merchant and service create, patch and delete calls sent since start.", nil, nil)
)

// rtuDescs are the metrics every RTU queue has.
type rtuDescs struct {
	pending, dead, delivered, retried, deadLettered, latency *prometheus.Desc
}

// newRTUDescs names a queue's metrics prefix_pending, …, prefix_latency_seconds.
func newRTUDescs(prefix, what string) rtuDescs {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(namespace+"_"+prefix+"_"+name, help, nil, nil)
	}
	return rtuDescs{
		pending:      d("pending", "RTU queue: "+what+" waiting to be sent to Google, at the end of the last round."),
		dead:         d("dead", "RTU queue: dead-lettered "+what+" kept for an operator (notify retry --all-dead)."),
		delivered:    d("delivered_total", "RTU queue: "+what+" Google accepted (2xx) since start."),
		retried:      d("retried_total", "RTU queue: "+what+" whose call failed and that were scheduled again, since start."),
		deadLettered: d("dead_lettered_total", "RTU queue: "+what+" moved to the dead letters since start."),
		latency:      d("latency_seconds", "RTU queue: time from the change (commit) to Google's 2xx, for "+what+"."),
	}
}

// rtuCollector turns an RTU worker's stats into metrics at scrape time.
type rtuCollector struct {
	queue rtuDescs
	// stats reads one snapshot: the queue's Stats and the values of extra.
	stats func() (notifier.Stats, map[*prometheus.Desc]uint64)
	extra []*prometheus.Desc
}

// Describe sends the descriptors.
func (c *rtuCollector) Describe(ch chan<- *prometheus.Desc) {
	q := c.queue
	for _, d := range append([]*prometheus.Desc{q.pending, q.dead, q.delivered, q.retried, q.deadLettered, q.latency}, c.extra...) {
		ch <- d
	}
}

// Collect reads one snapshot.
func (c *rtuCollector) Collect(ch chan<- prometheus.Metric) {
	s, extra := c.stats()
	q := c.queue
	ch <- prometheus.MustNewConstMetric(q.pending, prometheus.GaugeValue, float64(s.Pending))
	ch <- prometheus.MustNewConstMetric(q.dead, prometheus.GaugeValue, float64(s.Dead))
	ch <- prometheus.MustNewConstMetric(q.delivered, prometheus.CounterValue, float64(s.Delivered))
	ch <- prometheus.MustNewConstMetric(q.retried, prometheus.CounterValue, float64(s.Retried))
	ch <- prometheus.MustNewConstMetric(q.deadLettered, prometheus.CounterValue, float64(s.DeadLettered))
	for _, d := range c.extra {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(extra[d]))
	}
	ch <- prometheus.MustNewConstHistogram(q.latency, s.LatencyCount, s.LatencySum.Seconds(), deliveryBuckets(s))
}
