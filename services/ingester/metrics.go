package ingester

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	entriesIngested prometheus.Counter
	bytesIngested   prometheus.Counter
	discarded       *prometheus.CounterVec
	chunksFlushed   prometheus.Counter
	flushFailures   prometheus.Counter
	walAppends      prometheus.Counter
	walFailures     prometheus.Counter
	replayDuration  prometheus.Gauge
	replayRecords   prometheus.Counter
	checkpoints     prometheus.Counter
	// encodeWaitTimeouts counts pushes that stopped waiting for the encoder (maxEncodeWait).
	encodeWaitTimeouts prometheus.Counter
	walLag             *walLagCollector
}

func newMetrics(reg prometheus.Registerer, i *Ingester) (*metrics, error) {
	m := &metrics{
		entriesIngested: prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_entries_total", Help: "Entries accepted by pushes (after the WAL acknowledged them)."}),
		bytesIngested:   prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_bytes_total", Help: "Line and structured-metadata bytes accepted by pushes."}),
		discarded:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "skald_ingester_discarded_entries_total", Help: "Entries refused or dropped by the ingester, by reason."}, []string{"reason"}),
		chunksFlushed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_chunks_flushed_total", Help: "Chunks written to the store."}),
		flushFailures:   prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_flush_failures_total", Help: "Tenant flushes that failed and will be retried."}),
		walAppends:      prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_wal_appends_total", Help: "Records appended to the WAL and acknowledged."}),
		walFailures:     prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_wal_append_failures_total", Help: "WAL appends that failed (the push was refused)."}),
		replayDuration:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "skald_ingester_wal_replay_duration_seconds", Help: "Duration of the last WAL replay."}),
		replayRecords:   prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_wal_replay_records_total", Help: "WAL records replayed."}),
		checkpoints:     prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_wal_checkpoints_total", Help: "WAL checkpoints written."}),
		walLag:          newWALLagCollector(i),
		encodeWaitTimeouts: prometheus.NewCounter(prometheus.CounterOpts{Name: "skald_ingester_encode_wait_timeouts_total",
			Help: "Pushes that went on after waiting the longest allowed for the chunk encoder's backlog to shrink."}),
	}
	streams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "skald_ingester_streams", Help: "Streams in memory."}, func() float64 {
		n := 0
		for _, id := range i.tenantIDs() {
			if t := i.tenant(id, false); t != nil {
				t.mu.RLock()
				n += len(t.streams)
				t.mu.RUnlock()
			}
		}
		return float64(n)
	})
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "skald_ingester_pending_flush_bytes", Help: "Encoded bytes of cut chunks waiting for the flush."}, func() float64 {
		return float64(i.pendingBytes.Load())
	})
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.entriesIngested, m.bytesIngested, m.discarded, m.chunksFlushed, m.flushFailures,
		m.walAppends, m.walFailures, m.replayDuration, m.replayRecords, m.checkpoints, streams, pending, m.encodeWaitTimeouts, m.walLag} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
