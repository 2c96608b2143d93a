package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingserver/bookingserver/publish"
)

// RegisterPublisher exports the feed publisher's stats (read at each scrape):
// feed_publications_total{outcome}, feed_publish_bytes_total,
// feed_publish_consecutive_failures (alert when above 0 for a day: Google wants a
// complete upload every day) and feed_publish_last_success_timestamp_seconds.
func (m *Metrics) RegisterPublisher(stats func() publish.Stats) {
	if m == nil || stats == nil {
		return
	}
	m.reg.MustRegister(&publishCollector{stats: stats})
}

var (
	publications = prometheus.NewDesc(namespace+"_feed_publications_total",
		"Uploads of the feeds to Google's dropboxes since start, by outcome.", []string{"outcome"}, nil)
	publishBytes = prometheus.NewDesc(namespace+"_feed_publish_bytes_total",
		"Bytes uploaded to Google's dropboxes since start.", nil, nil)
	publishFailing = prometheus.NewDesc(namespace+"_feed_publish_consecutive_failures",
		"Failed publications since the last successful one (alert when above 0).", nil, nil)
	publishLastOK = prometheus.NewDesc(namespace+"_feed_publish_last_success_timestamp_seconds",
		"When the last successful publication finished, Unix seconds (0: none since start).", nil, nil)
)

type publishCollector struct{ stats func() publish.Stats }

// Describe sends the descriptors.
func (c *publishCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{publications, publishBytes, publishFailing, publishLastOK} {
		ch <- d
	}
}

// Collect reads one snapshot.
func (c *publishCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(publications, prometheus.CounterValue, float64(s.Succeeded), "ok")
	ch <- prometheus.MustNewConstMetric(publications, prometheus.CounterValue, float64(s.Failed), "failed")
	ch <- prometheus.MustNewConstMetric(publishBytes, prometheus.CounterValue, float64(s.Bytes))
	ch <- prometheus.MustNewConstMetric(publishFailing, prometheus.GaugeValue, float64(s.ConsecutiveFailures))
	last := 0.0
	if !s.LastSuccess.IsZero() {
		last = float64(s.LastSuccess.Unix())
	}
	ch <- prometheus.MustNewConstMetric(publishLastOK, prometheus.GaugeValue, last)
}
