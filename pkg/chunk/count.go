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
	var idOpen []int
	// find returns the place in open of the entries with metadata encoded as raw, adding it.
	find := func(raw []byte) int {
		for j := range raws {
			if bytes.Equal(raws[j], raw) {
				return j
			}
		}
		raws = append(raws, raw)
		open = append(open, BucketCount{End: end, StructuredMetadata: mc.get(raw)})
		return len(open) - 1
	}
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
		// With a metadata dictionary (version 3), an entry's set is found by its id: idOpen
		// maps a dictionary id to its place in open, -1 until looked up in this bucket.
		idOpen = idOpen[:0]
		for range db.metaDict {
			idOpen = append(idOpen, -1)
		}
		lo, hi := timeWindow(db.ts, from, through)
		for i := lo; i < hi; i++ {
			if ts := db.ts[i]; first || ts > end || ts <= end-width {
				flush()
				for k := range idOpen {
					idOpen[k] = -1
				}
				end, first = bucketEnd(ts, width, anchor), false
			}
			var j int
			if db.metaIDs != nil {
				id := db.metaIDs[i]
				if j = idOpen[id]; j < 0 {
					j = find(db.metaDict[id])
					idOpen[id] = j
				}
			} else {
				j = find(db.metaRaw(i))
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
