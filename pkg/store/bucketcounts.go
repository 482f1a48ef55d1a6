package store

import (
	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// seriesBucketCounts returns the samples of a count or byte sum (log.SizeOnly) of one stream
// already summed per bucket of grid. A chunk that overlaps no other is counted block by block
// (chunk.CountBuckets) without handing over its entries; overlapping chunks are merged entry
// by entry to drop copies (seriesSizeSamples) and then summed. Labels come from the extractor
// per metadata set, as seriesSizeSamples computes them. Only for streams no other source
// returns (SelectSampleParams.CutFor is NoCut): the samples carry logql.BucketHash.
func (qs *queryState) seriesBucketCounts(sp *seriesPlan, se log.StreamSampleExtractor, kind log.LineExtraction, grid logql.BucketGrid) iter.SampleIterator {
	if len(sp.refs) == 0 {
		return nil
	}
	it := &bucketCountIterator{qs: qs, grid: grid, bytes: kind == log.BytesExtraction, hash: sp.fp, labeller: sizeSampleIterator{se: se}}
	for _, run := range overlapRuns(sp) {
		if len(run) == 1 {
			it.parts = append(it.parts, countPart{ref: run[0]})
			continue
		}
		// Built here, not in a worker: it registers its chunk iterators with the query.
		sub := *sp
		sub.refs = run
		merged := qs.seriesSizeSamples(&sub, se, kind, false)
		it.parts = append(it.parts, countPart{merged: logql.NewBucketIterator(merged, grid, logql.NoCut)})
	}
	qs.chunkIts = append(qs.chunkIts, it)
	qs.pf.markUrgent(qs.jobs[sp.refs[0].Key])
	return it
}

// countPart is a chunk to count, or a merge of overlapping chunks already summed.
type countPart struct {
	ref    index.ChunkRef
	merged iter.SampleIterator
}

// bucketCountIterator counts one stream's chunks, one chunk at a time, in time order.
type bucketCountIterator struct {
	qs       *queryState
	parts    []countPart
	grid     logql.BucketGrid
	bytes    bool
	hash     uint64
	labeller sizeSampleIterator // for its cache of labels per metadata set
	stats    chunk.IterStats    // of the chunks counted so far
	buf      []labelledSampleAt
	i        int
	err      error
}

func (b *bucketCountIterator) Next() bool {
	b.i++
	for b.i >= len(b.buf) {
		if b.err != nil || len(b.parts) == 0 {
			return false
		}
		b.buf, b.i = b.buf[:0], 0
		if p := b.parts[0]; p.merged != nil {
			b.err = b.drain(p.merged)
		} else {
			b.err = b.count(p.ref)
		}
		b.parts = b.parts[1:]
	}
	return true
}

// drain fills buf with a merged run's bucket samples (a few per step).
func (b *bucketCountIterator) drain(it iter.SampleIterator) error {
	for it.Next() {
		b.buf = append(b.buf, labelledSampleAt{s: it.At(), lbls: it.Labels()})
	}
	return it.Err()
}

// count fills buf with one chunk's bucket samples.
func (b *bucketCountIterator) count(ref index.ChunkRef) error {
	c, _, err := b.qs.pf.take(b.qs.jobs[ref.Key])
	if err != nil || c == nil {
		return err
	}
	st, err := c.CountBuckets(b.qs.pf.start, b.qs.pf.end, b.grid.Width, b.grid.Anchor, func(bc chunk.BucketCount) {
		r := b.labeller.processed(infoAt{LineInfo: chunk.LineInfo{Timestamp: bc.End, StructuredMetadata: bc.StructuredMetadata}})
		if !r.keep {
			return
		}
		v := float64(bc.Entries) * r.v // r.v is 1 for a count
		if b.bytes {
			v = float64(bc.LineBytes)
		}
		b.buf = append(b.buf, labelledSampleAt{s: iter.Sample{Timestamp: bc.End, Value: v, Hash: logql.BucketHash}, lbls: r.lbls})
	})
	b.stats.Blocks += st.Blocks
	b.stats.DecompressedBlocks += st.DecompressedBlocks
	b.stats.DecompressedBytes += st.DecompressedBytes
	b.stats.DecompressedLines += st.DecompressedLines
	b.stats.CompressedBytes += st.CompressedBytes
	b.stats.StructuredMetadataBytes += st.StructuredMetadataBytes
	return err
}

// currentStats is not synchronised with Next: call it from the iterating goroutine (or, with
// parallel samples, under the pool's lock).
func (b *bucketCountIterator) currentStats() chunk.IterStats { return b.stats }

func (b *bucketCountIterator) At() iter.Sample    { return b.buf[b.i].s }
func (b *bucketCountIterator) Labels() string     { return b.buf[b.i].lbls }
func (b *bucketCountIterator) StreamHash() uint64 { return b.hash }
func (b *bucketCountIterator) Err() error         { return b.err }
func (b *bucketCountIterator) Close() error       { return nil }
