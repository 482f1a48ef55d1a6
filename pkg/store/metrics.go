package store

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// fetchKind classifies the object bytes a Reader reads.
type fetchKind int

const (
	fetchChunk     fetchKind = iota // whole chunk objects
	fetchDirectory                  // chunk headers and directories read by range
	fetchBlocks                     // chunk blocks read by range
	fetchSegment                    // index segments
	numFetchKinds
)

var fetchKindNames = [numFetchKinds]string{"chunk", "chunk_directory", "chunk_blocks", "index_segment"}

// RegisterMetrics registers the Reader's metrics with reg: bytes read from the bucket by kind,
// and cache requests, hits and held bytes. They are computed from counters the Reader keeps
// anyway, so registering costs queries nothing.
func (r *Reader) RegisterMetrics(reg prometheus.Registerer) error {
	var cs []prometheus.Collector
	for k := range numFetchKinds {
		cs = append(cs, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "skald_store_fetched_bytes_total",
			Help:        "Object bytes the store reader read from the bucket, by kind.",
			ConstLabels: prometheus.Labels{"kind": fetchKindNames[k]},
		}, func() float64 { return float64(r.fetched[k].Load()) }))
	}
	for _, c := range []struct {
		name  string
		stats func() (hits, misses, bytes int64)
	}{
		{"chunk", r.chunks.stats},
		{"index_segment", r.segments.stats},
	} {
		cs = append(cs,
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "skald_store_cache_hits_total", Help: "Store reader cache hits.", ConstLabels: prometheus.Labels{"cache": c.name},
			}, func() float64 { h, _, _ := c.stats(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "skald_store_cache_misses_total", Help: "Store reader cache misses.", ConstLabels: prometheus.Labels{"cache": c.name},
			}, func() float64 { _, m, _ := c.stats(); return float64(m) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "skald_store_cache_bytes", Help: "Bytes held by a store reader cache.", ConstLabels: prometheus.Labels{"cache": c.name},
			}, func() float64 { _, _, b := c.stats(); return float64(b) }),
		)
	}
	var errs []error
	for _, c := range cs {
		errs = append(errs, reg.Register(c))
	}
	return errors.Join(errs...)
}
