package validation

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// DiscardMetrics counts what was rejected, by reason and tenant, as Loki's
// loki_discarded_samples_total and loki_discarded_bytes_total do. It is safe for concurrent use.
type DiscardMetrics struct {
	samples *prometheus.CounterVec
	bytes   *prometheus.CounterVec
}

// NewDiscardMetrics registers the counters on reg (nil: unregistered). Several components in one
// process (distributor, ingester) may call it with the same registerer: they share the counters.
func NewDiscardMetrics(reg prometheus.Registerer) *DiscardMetrics {
	m := &DiscardMetrics{
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loki_discarded_samples_total",
			Help: "Log lines discarded, by reason and tenant.",
		}, []string{"reason", "tenant"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loki_discarded_bytes_total",
			Help: "Bytes of log lines discarded, by reason and tenant.",
		}, []string{"reason", "tenant"}),
	}
	if reg != nil {
		m.samples = register(reg, m.samples)
		m.bytes = register(reg, m.bytes)
	}
	return m
}

func register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
		// A different collector under our name is a wiring bug, not input.
		panic("BUG: register discard counter: " + err.Error())
	}
	return c
}

// Add counts lines and bytes discarded for reason.
func (m *DiscardMetrics) Add(reason, tenant string, lines, bytes int) {
	if lines == 0 && bytes == 0 {
		return
	}
	m.samples.WithLabelValues(reason, tenant).Add(float64(lines))
	m.bytes.WithLabelValues(reason, tenant).Add(float64(bytes))
}

// Samples returns the discarded-lines counter of reason and tenant (for tests and reports).
func (m *DiscardMetrics) Samples(reason, tenant string) prometheus.Counter {
	return m.samples.WithLabelValues(reason, tenant)
}

// Bytes returns the discarded-bytes counter of reason and tenant.
func (m *DiscardMetrics) Bytes(reason, tenant string) prometheus.Counter {
	return m.bytes.WithLabelValues(reason, tenant)
}
