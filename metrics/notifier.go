package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingserver/bookingserver/notifier"
)

// RegisterNotifier exports a running notifier's Stats (read at each scrape) as
// notifier_pending, notifier_dead (outbox sizes), notifier_delivered_total,
// notifier_retried_total, notifier_dead_lettered_total and the
// notifier_delivery_latency_seconds histogram (enqueue to 2xx). Call it once.
func (m *Metrics) RegisterNotifier(stats func() notifier.Stats) {
	if m == nil || stats == nil {
		return
	}
	m.reg.MustRegister(&notifierCollector{stats: stats})
}

var (
	notifierPending = prometheus.NewDesc(namespace+"_notifier_pending",
		"Outbox records waiting for delivery, at the end of the last drain.", nil, nil)
	notifierDead = prometheus.NewDesc(namespace+"_notifier_dead",
		"Dead-lettered outbox records kept for an operator (notify retry).", nil, nil)
	notifierDelivered = prometheus.NewDesc(namespace+"_notifier_delivered_total",
		"Notifications Google accepted (2xx) since start.", nil, nil)
	notifierRetried = prometheus.NewDesc(namespace+"_notifier_retried_total",
		"Attempts that failed and were scheduled again (429, 5xx, timeouts) since start.", nil, nil)
	notifierDeadLettered = prometheus.NewDesc(namespace+"_notifier_dead_lettered_total",
		"Notifications moved to the dead letters since start.", nil, nil)
	notifierLatency = prometheus.NewDesc(namespace+"_notifier_delivery_latency_seconds",
		"Time from the booking change (enqueue) to Google's 2xx.", nil, nil)
)

// notifierCollector turns notifier.Stats into metrics at scrape time.
type notifierCollector struct {
	stats func() notifier.Stats
}

// Describe sends the descriptors.
func (c *notifierCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{notifierPending, notifierDead, notifierDelivered, notifierRetried, notifierDeadLettered, notifierLatency} {
		ch <- d
	}
}

// Collect reads one Stats snapshot.
func (c *notifierCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(notifierPending, prometheus.GaugeValue, float64(s.Pending))
	ch <- prometheus.MustNewConstMetric(notifierDead, prometheus.GaugeValue, float64(s.Dead))
	ch <- prometheus.MustNewConstMetric(notifierDelivered, prometheus.CounterValue, float64(s.Delivered))
	ch <- prometheus.MustNewConstMetric(notifierRetried, prometheus.CounterValue, float64(s.Retried))
	ch <- prometheus.MustNewConstMetric(notifierDeadLettered, prometheus.CounterValue, float64(s.DeadLettered))
	ch <- prometheus.MustNewConstHistogram(notifierLatency, s.LatencyCount, s.LatencySum.Seconds(), deliveryBuckets(s))
}

// deliveryBuckets is the cumulative histogram of s's delivery latencies, keyed by
// upper bound in seconds.
func deliveryBuckets(s notifier.Stats) map[float64]uint64 {
	buckets := make(map[float64]uint64, len(notifier.LatencyBuckets))
	for i, b := range notifier.LatencyBuckets {
		var n uint64
		if i < len(s.LatencyCounts) {
			n = s.LatencyCounts[i]
		}
		buckets[b.Seconds()] = n
	}
	return buckets
}
