package distributor

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	linesReceived  *prometheus.CounterVec
	bytesReceived  *prometheus.CounterVec
	appends        *prometheus.CounterVec
	appendFailures *prometheus.CounterVec
	sendDuration   *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		linesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loki_distributor_lines_received_total",
			Help: "Log lines received in pushes, before validation, by tenant.",
		}, []string{"tenant"}),
		bytesReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loki_distributor_bytes_received_total",
			Help: "Line and structured metadata bytes received in pushes, before validation, by tenant.",
		}, []string{"tenant"}),
		appends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loki_distributor_ingester_appends_total",
			Help: "Batches sent to each ingester.",
		}, []string{"ingester"}),
		appendFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "loki_distributor_ingester_append_failures_total",
			Help: "Batches an ingester failed, by ingester.",
		}, []string{"ingester"}),
		sendDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "skald_distributor_ingester_push_duration_seconds",
			Help:    "Latency of one push to one ingester, by outcome (ok, client_error, error).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"outcome"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.linesReceived, m.bytesReceived, m.appends, m.appendFailures, m.sendDuration} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
