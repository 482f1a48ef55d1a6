package store

import (
	"slices"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// seriesBucketCounts returns the samples of a count or byte sum (log.SizeOnly) of one stream
// already summed per bucket of grid. A chunk is counted block by block (chunk.CountBuckets)
// without handing over its entries, except where chunks of a run overlap: there, and only
// there, entries are merged one by one to drop copies (see countRun) and then summed. Labels
// come from the extractor per metadata set, as seriesSizeSamples computes them. Only for
// streams no other source returns (SelectSampleParams.CutFor is NoCut): the samples carry
// logql.BucketHash.
func (qs *queryState) seriesBucketCounts(sp *seriesPlan, se log.StreamSampleExtractor, kind log.LineExtraction, grid logql.BucketGrid) iter.SampleIterator {
	if len(sp.refs) == 0 {
		return nil
	}
	it := &bucketCountIterator{qs: qs, runs: overlapRuns(sp), grid: grid, bytes: kind == log.BytesExtraction, hash: sp.fp, se: se, labeller: metaLabeller{se: se}}
	qs.chunkIts = append(qs.chunkIts, it)
	qs.dupCounters = append(qs.dupCounters, it)
	qs.pf.markUrgent(qs.jobs[sp.refs[0].Key])
	return it
}

// bucketCountIterator counts one stream's runs of chunks, one run at a time, in time order.
type bucketCountIterator struct {
	qs       *queryState
	runs     [][]index.ChunkRef
	grid     logql.BucketGrid
	bytes    bool
	hash     uint64
	se       log.StreamSampleExtractor
	labeller metaLabeller
	stats    chunk.IterStats // of the chunks counted so far
	dups     int64           // copies the merges of overlapping chunks dropped
	buf      []labelledSampleAt
	i        int
	err      error
}

func (b *bucketCountIterator) Next() bool {
	b.i++
	for b.i >= len(b.buf) {
		if b.err != nil || len(b.runs) == 0 {
			return false
		}
		b.buf, b.i = b.buf[:0], 0
		b.err = b.countRun(b.runs[0])
		b.runs = b.runs[1:]
	}
	return true
}

// countRun fills buf with the bucket samples of a run of chunks (sorted by From). The run's
// time is cut at every chunk's start and end: a span that one chunk covers is counted block by
// block, a span that several cover is merged entry by entry (a chain of chunks that each overlap
// the next near a cut merges only near the cuts).
func (b *bucketCountIterator) countRun(run []index.ChunkRef) error {
	cs := make([]*chunk.Chunk, len(run))
	for i, ref := range run {
		c, _, err := b.qs.pf.take(b.qs.jobs[ref.Key])
		if err != nil {
			return err
		}
		cs[i] = c // nil: nothing of it in the query's range
	}
	start, end := b.qs.pf.start, b.qs.pf.end
	if len(run) == 1 {
		return b.count(cs[0], start, end)
	}
	cuts := []int64{start, end}
	for _, ref := range run { // chunk i covers [From, Through+1)
		cuts = append(cuts, ref.From, ref.Through+1)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	var covering []*chunk.Chunk
	for k := 0; k+1 < len(cuts); k++ {
		from, through := cuts[k], cuts[k+1]
		if from < start || through > end {
			continue
		}
		covering = covering[:0]
		for i, ref := range run {
			if ref.From <= from && ref.Through+1 >= through && cs[i] != nil {
				covering = append(covering, cs[i])
			}
		}
		var err error
		switch len(covering) {
		case 0:
		case 1:
			err = b.count(covering[0], from, through)
		default:
			err = b.merge(covering, from, through)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// count adds the bucket samples of c's entries in [from, through).
func (b *bucketCountIterator) count(c *chunk.Chunk, from, through int64) error {
	if c == nil || from >= through {
		return nil
	}
	st, err := c.CountBuckets(from, through, b.grid.Width, b.grid.Anchor, func(bc chunk.BucketCount) {
		r := b.labeller.get(bc.End, bc.StructuredMetadata)
		if !r.keep {
			return
		}
		v := float64(bc.Entries) * r.v // r.v is 1 for a count
		if b.bytes {
			v = float64(bc.LineBytes)
		}
		b.buf = append(b.buf, labelledSampleAt{s: iter.Sample{Timestamp: bc.End, Value: v, Hash: logql.BucketHash}, lbls: r.lbls})
	})
	b.stats.Add(st)
	return err
}

// merge adds the bucket samples of the chunks' entries in [from, through), copies dropped as
// seriesSizeSamples drops them (hashes computed only for entries sharing a timestamp).
func (b *bucketCountIterator) merge(cs []*chunk.Chunk, from, through int64) error {
	if from >= through {
		return nil
	}
	srcs := make([]runSource[infoAt], 0, len(cs))
	var its []*lazyInfoIterator
	for _, c := range cs {
		if c == nil {
			continue
		}
		l := &lazyInfoIterator{pf: b.qs.pf, noHash: true, taken: c, from: from, through: through}
		its = append(its, l)
		srcs = append(srcs, l)
	}
	m := newRunMerge(srcs, false, func(li infoAt) int64 { return li.Timestamp }, func(li infoAt) uint64 { return li.src.hash() })
	samples := &sizeSampleIterator{srcs: []runSource[infoAt]{m}, meta: metaLabeller{se: b.se}, bytes: b.bytes, hash: b.hash}
	err := b.drain(logql.NewBucketIterator(samples, b.grid, logql.NoCut))
	for _, l := range its {
		b.stats.Add(l.currentStats())
	}
	b.dups += m.Duplicates()
	return err
}

// Duplicates implements iter.DuplicateCounter; like currentStats, not synchronised with Next.
func (b *bucketCountIterator) Duplicates() int64 { return b.dups }

// drain fills buf with a merged run's bucket samples (a few per step).
func (b *bucketCountIterator) drain(it iter.SampleIterator) error {
	for it.Next() {
		b.buf = append(b.buf, labelledSampleAt{s: it.At(), lbls: it.Labels()})
	}
	return it.Err()
}

// currentStats is not synchronised with Next: call it from the iterating goroutine (or, with
// parallel samples, under the pool's lock).
func (b *bucketCountIterator) currentStats() chunk.IterStats { return b.stats }

func (b *bucketCountIterator) At() iter.Sample    { return b.buf[b.i].s }
func (b *bucketCountIterator) Labels() string     { return b.buf[b.i].lbls }
func (b *bucketCountIterator) StreamHash() uint64 { return b.hash }
func (b *bucketCountIterator) Err() error         { return b.err }
func (b *bucketCountIterator) Close() error       { return nil }
