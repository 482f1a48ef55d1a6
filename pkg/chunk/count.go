package chunk

import (
	"bytes"

	"github.com/skaldlogs/skald/pkg/labels"
)

// BucketCount is the entries of one bucket that carry one structured metadata set.
type BucketCount struct {
	End                int64 // the bucket's end: the bucket is (End-width, End]
	StructuredMetadata labels.Labels
	Entries            int64
	LineBytes          int64
}

// CountBuckets counts the entries with from <= ts < through per bucket (End-width, End], for
// every End ≡ anchor (mod width), and per structured metadata set, reading timestamps, lengths
// and metadata only. emit is called in time order: buckets ascending, and within a bucket the
// sets in order of first appearance. A count over a block is a few additions per entry, where
// an iterator would hand over each entry.
func (c *Chunk) CountBuckets(from, through, width, anchor int64, emit func(BucketCount)) (IterStats, error) {
	var (
		st    IterStats
		db    decodedBlock
		mc    metaCache
		open  []BucketCount
		raws  [][]byte // raws[i] is open[i]'s encoded metadata
		end   int64
		first = true
	)
	flush := func() {
		for _, b := range open {
			emit(b)
		}
		open, raws = open[:0], raws[:0]
	}
	blocks := c.overlapping(from, through)
	st.Blocks = len(blocks)
	for _, b := range blocks {
		if err := c.loadTimes(b, &db); err != nil {
			return st, err
		}
		if err := c.loadMeta(b, &db); err != nil {
			return st, err
		}
		m := &c.blocks[b]
		st.DecompressedBlocks++
		st.DecompressedLines += int64(m.entries)
		for _, col := range []int{colTimes, colMeta} {
			st.DecompressedBytes += int64(m.rawLen[col])
			st.CompressedBytes += int64(m.compLen[col])
		}
		st.StructuredMetadataBytes += int64(m.rawLen[colMeta])
		lo, hi := timeWindow(db.ts, from, through)
		for i := lo; i < hi; i++ {
			if ts := db.ts[i]; first || ts > end || ts <= end-width {
				flush()
				end, first = bucketEnd(ts, width, anchor), false
			}
			raw := db.metaRaw(i)
			j := 0
			for j < len(raws) && !bytes.Equal(raws[j], raw) {
				j++
			}
			if j == len(raws) {
				raws = append(raws, raw)
				open = append(open, BucketCount{End: end, StructuredMetadata: mc.get(raw)})
			}
			open[j].Entries++
			open[j].LineBytes += int64(db.lens[i])
		}
	}
	flush()
	return st, nil
}

// bucketEnd is the first point ≡ anchor (mod width) at or after ts.
func bucketEnd(ts, width, anchor int64) int64 {
	r := (anchor - ts) % width
	if r < 0 {
		r += width
	}
	return ts + r
}
