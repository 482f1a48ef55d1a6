package ingester

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// walLagCollector reports, at scrape time, how far the WAL checkpoint and the store trail what
// the ingester acknowledged:
//
//   - skald_ingester_wal_lag_sequences: last applied WAL sequence minus the checkpoint (the
//     WAL messages a replay would read; each message is a group-committed batch of records);
//   - skald_ingester_wal_lag_bytes: WAL payload bytes appended since the checkpoint;
//   - skald_ingester_unflushed_bytes: line and metadata bytes in memory not yet in the store;
//   - skald_ingester_oldest_unflushed_seconds: age of the oldest entry not yet in the store.
//
// Heads know when they started, so their age is exact. A cut chunk keeps only the WAL sequence
// of its first batch, and the WAL byte counter has no per-sequence history, so the collector
// keeps its own (sequence, time, bytes) samples, one per scrape: a chunk's age and the bytes
// since the checkpoint are then known to one scrape interval (the age low, the bytes high).
type walLagCollector struct {
	i   *Ingester
	now func() time.Time

	seqs, walBytes, unflushed, oldest *prometheus.Desc

	mu      sync.Mutex
	ckpt    uint64      // checkpoint last read (the flush lock may be busy at scrape time)
	samples []seqSample // ascending seq
}

type seqSample struct {
	seq   uint64
	at    time.Time
	bytes uint64 // the WAL's cumulative acknowledged payload bytes at that time
}

// maxSeqSamples bounds the history when nothing flushes for a long time.
const maxSeqSamples = 4096

func newWALLagCollector(i *Ingester) *walLagCollector {
	return &walLagCollector{
		i:   i,
		now: time.Now,
		seqs: prometheus.NewDesc("skald_ingester_wal_lag_sequences",
			"WAL sequences applied since the checkpoint: the messages (group-committed record batches) a replay would read.", nil, nil),
		walBytes: prometheus.NewDesc("skald_ingester_wal_lag_bytes",
			"WAL payload bytes appended since the checkpoint (known to one scrape interval, rounded up).", nil, nil),
		unflushed: prometheus.NewDesc("skald_ingester_unflushed_bytes",
			"Line and structured-metadata bytes held in memory and not yet flushed to the store.", nil, nil),
		oldest: prometheus.NewDesc("skald_ingester_oldest_unflushed_seconds",
			"Age of the oldest entry not yet flushed to the store (0 when everything is flushed; for cut chunks known to one scrape interval).", nil, nil),
	}
}

func (c *walLagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.seqs
	ch <- c.walBytes
	ch <- c.unflushed
	ch <- c.oldest
}

// lagState is what one scrape reads from the ingester.
type lagState struct {
	applied, ckpt uint64
	walBytes      uint64
	unflushed     int
	oldestHead    time.Time // zero: no head holds entries
	oldestSeq     uint64    // smallest first sequence of an unflushed chunk; 0: none
	minHeadSeq    uint64    // smallest first sequence of a non-empty head; 0: none
}

func (c *walLagCollector) read() lagState {
	i := c.i
	var st lagState
	i.applyMu.Lock()
	st.applied = i.applied
	i.applyMu.Unlock()
	if w := i.wal.Load(); w != nil {
		st.walBytes = w.Stats().Bytes.Load()
	}
	// A flush holds flushMu through its store writes; a scrape must not wait for those.
	if i.flushMu.TryLock() {
		c.ckpt = i.lastCkpt
		i.flushMu.Unlock()
	}
	st.ckpt = c.ckpt
	for _, id := range i.tenantIDs() {
		t := i.tenant(id, false)
		if t == nil {
			continue
		}
		for _, s := range t.snapshot() {
			s.mu.RLock()
			if len(s.head) > 0 {
				st.unflushed += s.headBytes
				if st.oldestHead.IsZero() || s.headCreated.Before(st.oldestHead) {
					st.oldestHead = s.headCreated
				}
				if st.minHeadSeq == 0 || s.headFirstSeq < st.minHeadSeq {
					st.minHeadSeq = s.headFirstSeq
				}
			}
			for _, ch := range s.chunks {
				if !ch.flushedAt.IsZero() {
					continue
				}
				st.unflushed += ch.bytes
				if st.oldestSeq == 0 || ch.firstSeq < st.oldestSeq {
					st.oldestSeq = ch.firstSeq
				}
			}
			s.mu.RUnlock()
		}
	}
	return st
}

func (c *walLagCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.read()
	now := c.now()
	c.sample(st, now)

	// The checkpoint is the first sequence not known to be in the store.
	var lag uint64
	switch {
	case st.ckpt == 0:
		lag = st.applied
	case st.applied+1 > st.ckpt:
		lag = st.applied + 1 - st.ckpt
	}
	var lagBytes uint64
	if lag > 0 {
		// Bytes through the checkpoint are at least those of the last sample before it.
		base := uint64(0)
		for _, s := range c.samples {
			if st.ckpt == 0 || s.seq >= st.ckpt {
				break
			}
			base = s.bytes
		}
		if st.walBytes > base {
			lagBytes = st.walBytes - base
		}
	}
	var oldest time.Time
	if !st.oldestHead.IsZero() {
		oldest = st.oldestHead
	}
	if st.oldestSeq > 0 {
		// The first sample at or past the chunk's first sequence was taken after that batch
		// was applied.
		for _, s := range c.samples {
			if s.seq >= st.oldestSeq {
				if oldest.IsZero() || s.at.Before(oldest) {
					oldest = s.at
				}
				break
			}
		}
	}
	age := 0.0
	if !oldest.IsZero() {
		age = max(0, now.Sub(oldest).Seconds())
	}
	c.prune(st)

	ch <- prometheus.MustNewConstMetric(c.seqs, prometheus.GaugeValue, float64(lag))
	ch <- prometheus.MustNewConstMetric(c.walBytes, prometheus.GaugeValue, float64(lagBytes))
	ch <- prometheus.MustNewConstMetric(c.unflushed, prometheus.GaugeValue, float64(st.unflushed))
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}

// sample records the applied sequence the first time it is seen. c.mu is held.
func (c *walLagCollector) sample(st lagState, now time.Time) {
	if n := len(c.samples); n > 0 && c.samples[n-1].seq >= st.applied {
		return
	}
	if len(c.samples) >= maxSeqSamples {
		c.samples = append(c.samples[:0], c.samples[len(c.samples)/2:]...)
	}
	c.samples = append(c.samples, seqSample{seq: st.applied, at: now, bytes: st.walBytes})
}

// prune drops the samples no later lookup needs: those below both the checkpoint and every
// unflushed sequence, keeping the last one below (it bounds the bytes through the checkpoint).
// c.mu is held.
func (c *walLagCollector) prune(st lagState) {
	floor := st.ckpt
	for _, s := range []uint64{st.oldestSeq, st.minHeadSeq} {
		if s > 0 && s < floor {
			floor = s
		}
	}
	k := 0
	for k+1 < len(c.samples) && c.samples[k+1].seq < floor {
		k++
	}
	if k > 0 {
		c.samples = append(c.samples[:0], c.samples[k:]...)
	}
}
