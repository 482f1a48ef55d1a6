package store

import (
	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// seriesBucketCounts returns the samples of a count or byte sum (log.SizeOnly) of one stream
// already summed per bucket of grid, or nil when the stream's chunks overlap (then copies must
// be dropped entry by entry: seriesSizeSamples). Each chunk is counted block by block
// (chunk.CountBuckets) without handing over its entries; labels come from the extractor per
// metadata set, as seriesSizeSamples computes them. Only for streams no other source returns
// (SelectSampleParams.CutFor is NoCut): the samples carry logql.BucketHash.
func (qs *queryState) seriesBucketCounts(sp *seriesPlan, se log.StreamSampleExtractor, kind log.LineExtraction, grid logql.BucketGrid) iter.SampleIterator {
	if len(sp.refs) == 0 {
		return nil
	}
	for _, run := range overlapRuns(sp) {
		if len(run) > 1 {
			return nil
		}
	}
	it := &bucketCountIterator{qs: qs, refs: sp.refs, grid: grid, bytes: kind == log.BytesExtraction, hash: sp.fp, labeller: sizeSampleIterator{se: se}}
	qs.chunkIts = append(qs.chunkIts, it)
	qs.pf.markUrgent(qs.jobs[sp.refs[0].Key])
	return it
}

// bucketCountIterator counts one stream's chunks, one chunk at a time, in time order.
type bucketCountIterator struct {
	qs       *queryState
	refs     []index.ChunkRef
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
		if b.err != nil || len(b.refs) == 0 {
			return false
		}
		b.buf, b.i = b.buf[:0], 0
		b.err = b.count(b.refs[0])
		b.refs = b.refs[1:]
	}
	return true
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
