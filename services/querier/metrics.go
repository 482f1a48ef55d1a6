package querier

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requestDuration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "skald_querier_request_duration_seconds",
			Help:    "Time to answer a query API request, by route and status code.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9),
		}, []string{"route", "status_code"}),
	}
	if reg != nil {
		if err := reg.Register(m.requestDuration); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
			m.requestDuration = are.ExistingCollector.(*prometheus.HistogramVec)
		}
	}
	return m, nil
}
