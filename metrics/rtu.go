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
	m.reg.MustRegister(&rtuCollector{stats: stats})
}

var (
	rtuPending = prometheus.NewDesc(namespace+"_rtu_pending",
		"Availability windows waiting to be sent to Google, at the end of the last round.", nil, nil)
	rtuDead = prometheus.NewDesc(namespace+"_rtu_dead",
		"Dead-lettered availability windows kept for an operator (notify retry --all-dead).", nil, nil)
	rtuDelivered = prometheus.NewDesc(namespace+"_rtu_delivered_total",
		"Availability windows Google accepted (2xx) since start.", nil, nil)
	rtuRetried = prometheus.NewDesc(namespace+"_rtu_retried_total",
		"Availability windows whose call failed and that were scheduled again, since start.", nil, nil)
	rtuDeadLettered = prometheus.NewDesc(namespace+"_rtu_dead_lettered_total",
		"Availability windows moved to the dead letters since start.", nil, nil)
	rtuCalls = prometheus.NewDesc(namespace+"_rtu_calls_total",
		"availability:replace calls sent since start.", nil, nil)
	rtuEntries = prometheus.NewDesc(namespace+"_rtu_entries_total",
		"Windows (extendedServiceAvailability entries) those calls carried.", nil, nil)
	rtuLatency = prometheus.NewDesc(namespace+"_rtu_latency_seconds",
		"Time from a change of open spots (commit) to Google's 2xx for its window.", nil, nil)
)

// rtuCollector turns notifier.AvailabilityStats into metrics at scrape time.
type rtuCollector struct {
	stats func() notifier.AvailabilityStats
}

// Describe sends the descriptors.
func (c *rtuCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{rtuPending, rtuDead, rtuDelivered, rtuRetried, rtuDeadLettered, rtuCalls, rtuEntries, rtuLatency} {
		ch <- d
	}
}

// Collect reads one snapshot.
func (c *rtuCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(rtuPending, prometheus.GaugeValue, float64(s.Pending))
	ch <- prometheus.MustNewConstMetric(rtuDead, prometheus.GaugeValue, float64(s.Dead))
	ch <- prometheus.MustNewConstMetric(rtuDelivered, prometheus.CounterValue, float64(s.Delivered))
	ch <- prometheus.MustNewConstMetric(rtuRetried, prometheus.CounterValue, float64(s.Retried))
	ch <- prometheus.MustNewConstMetric(rtuDeadLettered, prometheus.CounterValue, float64(s.DeadLettered))
	ch <- prometheus.MustNewConstMetric(rtuCalls, prometheus.CounterValue, float64(s.Calls))
	ch <- prometheus.MustNewConstMetric(rtuEntries, prometheus.CounterValue, float64(s.Entries))
	ch <- prometheus.MustNewConstHistogram(rtuLatency, s.LatencyCount, s.LatencySum.Seconds(), deliveryBuckets(s.Stats))
}
