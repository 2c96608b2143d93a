package notifier

import (
	"slices"
	"sync"
	"time"
)

// LatencyBuckets are the upper bounds of the delivery latency histogram (enqueue to
// 2xx), in the style of a Prometheus histogram.
var LatencyBuckets = []time.Duration{
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	5 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute,
}

// Stats is a snapshot of the notifier's metrics.
type Stats struct {
	// Pending and Dead are the outbox sizes at the end of the last drain.
	Pending, Dead int
	// Delivered, Retried and DeadLettered count attempts since start by outcome.
	Delivered, Retried, DeadLettered uint64
	// LatencyCounts[i] counts deliveries with latency ≤ LatencyBuckets[i]
	// (cumulative); LatencyCount and LatencySum cover all of them (+Inf bucket).
	LatencyCounts []uint64
	LatencyCount  uint64
	LatencySum    time.Duration
	// P50 and P99 are over the last latencyWindow deliveries (0 when none).
	P50, P99 time.Duration
}

// latencyWindow is how many recent latencies P50 and P99 are computed from.
const latencyWindow = 1024

// metrics accumulates Stats.
type metrics struct {
	mu     sync.Mutex
	s      Stats
	recent []time.Duration // ring of the last latencyWindow latencies
	next   int
}

func (m *metrics) delivered(latency time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s.Delivered++
	if m.s.LatencyCounts == nil {
		m.s.LatencyCounts = make([]uint64, len(LatencyBuckets))
	}
	for i, b := range LatencyBuckets {
		if latency <= b {
			m.s.LatencyCounts[i]++
		}
	}
	m.s.LatencyCount++
	m.s.LatencySum += latency
	if len(m.recent) < latencyWindow {
		m.recent = append(m.recent, latency)
	} else {
		m.recent[m.next] = latency
		m.next = (m.next + 1) % latencyWindow
	}
}

func (m *metrics) retried() { m.mu.Lock(); m.s.Retried++; m.mu.Unlock() }
func (m *metrics) dead()    { m.mu.Lock(); m.s.DeadLettered++; m.mu.Unlock() }

func (m *metrics) sizes(pending, dead int) {
	m.mu.Lock()
	m.s.Pending, m.s.Dead = pending, dead
	m.mu.Unlock()
}

func (m *metrics) snapshot() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.s
	s.LatencyCounts = slices.Clone(m.s.LatencyCounts)
	if len(m.recent) > 0 {
		sorted := slices.Clone(m.recent)
		slices.Sort(sorted)
		s.P50 = sorted[(len(sorted)-1)*50/100]
		s.P99 = sorted[(len(sorted)-1)*99/100]
	}
	return s
}
