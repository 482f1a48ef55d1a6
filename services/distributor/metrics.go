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
	// Replication: outcomes per ingester, pushes that lost a stream's quorum, copies written.
	pushes          *prometheus.CounterVec
	quorumFailures  *prometheus.CounterVec
	replicasWritten prometheus.Histogram
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
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_distributor_ingester_pushes_total",
			Help: "Pushes of one batch to one ingester, by ingester address and outcome (success, failure).",
		}, []string{"ingester", "outcome"}),
		quorumFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_distributor_quorum_failures_total",
			Help: "Pushes in which at least one stream lost its write quorum, by kind: unavailable (answered 5xx, the client retries) or rejected (the ingesters refused the data: 4xx or 429).",
		}, []string{"kind"}),
		replicasWritten: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "skald_distributor_replicas_written",
			Help:    "Copies of a stream written by the ingesters per push, counted when every send ended (also those after the client's answer).",
			Buckets: prometheus.LinearBuckets(0, 1, 6),
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.linesReceived, m.bytesReceived, m.appends, m.appendFailures, m.sendDuration,
			m.pushes, m.quorumFailures, m.replicasWritten} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
