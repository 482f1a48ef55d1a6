package chunk

import (
	"sort"

	"github.com/skaldlogs/skald/pkg/iter"
)

// IterStats counts the work an iterator did, for query statistics.
type IterStats struct {
	Blocks             int   // blocks overlapping the time range
	BlocksFilterSkip   int   // of those, skipped by the token filter without decompressing
	DecompressedBytes  int64 // uncompressed bytes of the columns decompressed
	DecompressedLines  int64 // entries decoded from decompressed blocks
	CompressedBytes    int64 // compressed bytes of the columns decompressed
	DecompressedBlocks int
	// StructuredMetadataBytes is the part of DecompressedBytes that was structured metadata.
	StructuredMetadataBytes int64
}

// Add adds o's counts to s.
func (s *IterStats) Add(o IterStats) {
	s.Blocks += o.Blocks
	s.BlocksFilterSkip += o.BlocksFilterSkip
	s.DecompressedBytes += o.DecompressedBytes
	s.DecompressedLines += o.DecompressedLines
	s.CompressedBytes += o.CompressedBytes
	s.DecompressedBlocks += o.DecompressedBlocks
	s.StructuredMetadataBytes += o.StructuredMetadataBytes
}

// EntryIterator yields the raw entries of one chunk in a time range. It implements
// iter.EntryIterator with empty Labels and a zero StreamHash: the caller knows the stream and
// wraps it. Entry strings share the decompressed block and stay valid after Next.
type EntryIterator struct {
	c        *Chunk
	from     int64
	through  int64
	backward bool
	needles  []string

	blocks []int // indexes of the blocks still to read, in reading order
	db     *decodedBlock
	own    decodedBlock // reused buffers when blocks are decompressed here
	pre    *Prepared    // blocks decompressed in advance; nil: decompress here
	i, end int          // current entry index and the loop bound in db
	cur    iter.Entry
	err    error
	stats  IterStats

	meta metaCache
}

// Iterator returns the entries with from <= ts < through in direction dir. With
// requiredLiterals it yields only the entries whose line contains every one of them: blocks
// whose token filter proves that no line does are skipped without being decompressed, and the
// lines of the blocks that are read are checked one by one (the pipeline's line filters would
// drop the others anyway; the caller still applies them).
func (c *Chunk) Iterator(from, through int64, dir iter.Direction, requiredLiterals []string) *EntryIterator {
	it := &EntryIterator{c: c, from: from, through: through, backward: dir == iter.Backward, needles: requiredLiterals}
	it.blocks = c.overlapping(from, through)
	it.stats.Blocks = len(it.blocks)
	if it.backward {
		for l, r := 0, len(it.blocks)-1; l < r; l, r = l+1, r-1 {
			it.blocks[l], it.blocks[r] = it.blocks[r], it.blocks[l]
		}
	}
	return it
}

// overlapping returns, in ascending order, the blocks with entries possibly in [from, through).
func (c *Chunk) overlapping(from, through int64) []int {
	var out []int
	if from >= through {
		return out
	}
	for i := range c.blocks {
		if c.blocks[i].maxT >= from && c.blocks[i].minT < through {
			out = append(out, i)
		}
	}
	return out
}

// mayContain reports whether block b may hold a line containing all needles.
func (c *Chunk) mayContain(b int, needles []string) bool {
	for _, n := range needles {
		if !filterMayContain(c.blocks[b].filter, n, c.blocks[b].salt, int(c.probes)) {
			return false
		}
	}
	return true
}

// MayContain reports whether any block of the chunk overlapping [from, through) may hold a line
// containing every needle. False is certain.
func (c *Chunk) MayContain(from, through int64, needles []string) bool {
	// First the first gram of the first needle in every block, with no branch on the answer,
	// so the processor overlaps the filter reads (mostly cache misses) of different blocks;
	// that gram rules out most blocks. The full check runs on the rest.
	var first string
	for _, n := range needles {
		if len(n) >= gramLen {
			first = n
			break
		}
	}
	var buf [64]int
	left := buf[:0]
	if first != "" {
		key := gramKey(uint32(first[0])<<24 | uint32(first[1])<<16 | uint32(first[2])<<8 | uint32(first[3]))
		for b := range c.blocks {
			m := &c.blocks[b]
			if m.maxT < from || m.minT >= through || len(m.filter) == 0 {
				continue
			}
			left = append(left, b)
			h1, _ := gramHashes(key, m.salt)
			bit := reduce(h1, uint64(len(m.filter)*8))
			left = left[:len(left)-1+int(m.filter[bit>>3]>>(bit&7)&1)]
		}
	} else {
		left = c.overlapping(from, through)
	}
	for _, b := range left {
		if c.mayContain(b, needles) {
			return true
		}
	}
	return false
}

// nextBlock loads the next block that passes the filter; false when none is left or on error.
func (it *EntryIterator) nextBlock() bool {
	for len(it.blocks) > 0 {
		b := it.blocks[0]
		it.blocks = it.blocks[1:]
		if it.pre != nil {
			// Prepare already decompressed and counted the blocks that passed the filter.
			if it.db = it.pre.blocks[b]; it.db == nil {
				continue
			}
		} else {
			if !it.c.mayContain(b, it.needles) {
				it.stats.BlocksFilterSkip++
				continue
			}
			it.db = &it.own
			if err := it.c.loadBlock(b, it.db, &it.stats, it.needles); err != nil {
				it.err = err
				return false
			}
		}
		lo, hi := timeWindow(it.db.ts, it.from, it.through)
		if lo == hi {
			continue
		}
		if it.backward {
			it.i, it.end = hi, lo
		} else {
			it.i, it.end = lo-1, hi
		}
		return true
	}
	return false
}

// loadBlock decompresses block b's times, lines and metadata into db and counts the work.
// With needles only the entries whose line holds every needle are kept (loadLines).
func (c *Chunk) loadBlock(b int, db *decodedBlock, st *IterStats, needles []string) error {
	if err := c.loadTimes(b, db); err != nil {
		return err
	}
	if err := c.loadLines(b, db, needles); err != nil {
		return err
	}
	m := &c.blocks[b]
	st.DecompressedBlocks++
	st.DecompressedLines += int64(m.entries)
	st.DecompressedBytes += int64(m.rawLen[0] + m.rawLen[1] + m.rawLen[2])
	st.CompressedBytes += int64(m.compLen[0] + m.compLen[1] + m.compLen[2])
	st.StructuredMetadataBytes += int64(m.rawLen[colMeta])
	return nil
}

// Prepared is a chunk's blocks for a time range, decompressed in advance, so that
// decompression can run on another goroutine than the iteration (a query's fetch workers
// decompress while its merge consumes). Immutable once built; safe for concurrent iterators.
type Prepared struct {
	c       *Chunk
	from    int64
	through int64
	blocks  []*decodedBlock // by block index; nil when outside the range or filtered out
	stats   IterStats
	size    int64
}

// Prepare decompresses the blocks overlapping [from, through) whose token filters admit every
// needle, keeping the entries whose line contains every needle (as Iterator). A damaged block
// is reported here, as a *CorruptionError.
func (c *Chunk) Prepare(from, through int64, needles []string) (*Prepared, error) {
	p := &Prepared{c: c, from: from, through: through, blocks: make([]*decodedBlock, len(c.blocks))}
	bs := c.overlapping(from, through)
	p.stats.Blocks = len(bs)
	for _, b := range bs {
		if !c.mayContain(b, needles) {
			p.stats.BlocksFilterSkip++
			continue
		}
		db := &decodedBlock{}
		if err := c.loadBlock(b, db, &p.stats, needles); err != nil {
			return nil, err
		}
		p.blocks[b] = db
		m := &c.blocks[b]
		p.size += int64(m.rawLen[0]+m.rawLen[1]+m.rawLen[2]) + int64(m.entries)*24
	}
	return p, nil
}

// Size is the memory the decompressed blocks hold, approximately.
func (p *Prepared) Size() int64 { return p.size }

// Iterator returns the prepared entries with from <= ts < through (the range given to
// Prepare) in direction dir.
func (p *Prepared) Iterator(dir iter.Direction) *EntryIterator {
	it := p.c.Iterator(p.from, p.through, dir, nil)
	it.pre = p
	it.stats = p.stats
	return it
}

// timeWindow returns the index range [lo, hi) of ts (sorted) inside [from, through).
func timeWindow(ts []int64, from, through int64) (int, int) {
	lo := sort.Search(len(ts), func(i int) bool { return ts[i] >= from })
	hi := sort.Search(len(ts), func(i int) bool { return ts[i] >= through })
	return lo, hi
}

// Next advances to the next entry.
func (it *EntryIterator) Next() bool {
	if it.err != nil {
		return false
	}
	for {
		if it.backward {
			if it.i > it.end {
				it.i--
				break
			}
		} else if it.i+1 < it.end {
			it.i++
			break
		}
		if !it.nextBlock() {
			return false
		}
	}
	it.cur = iter.Entry{Timestamp: it.db.ts[it.i], Line: it.db.line(it.i), StructuredMetadata: it.meta.get(it.db.metaRaw(it.i))}
	return true
}

// At returns the current entry.
func (it *EntryIterator) At() iter.Entry { return it.cur }

// Labels is empty: a chunk does not know its stream's labels.
func (it *EntryIterator) Labels() string { return "" }

// StreamHash is zero: a chunk does not know its stream.
func (it *EntryIterator) StreamHash() uint64 { return 0 }

// Err returns the first error, a *CorruptionError for damaged blocks.
func (it *EntryIterator) Err() error { return it.err }

// Close releases nothing; it exists for the iterator protocol.
func (it *EntryIterator) Close() error { return nil }

// Stats returns the work done so far.
func (it *EntryIterator) Stats() IterStats { return it.stats }

// SizeIterator yields the timestamp and line length of each entry in a time range. It
// decompresses only the timestamp column, so counts and byte sums read no line bytes.
type SizeIterator struct {
	c       *Chunk
	from    int64
	through int64
	blocks  []int
	db      decodedBlock
	i, end  int
	err     error
	stats   IterStats
}

var _ iter.EntryIterator = (*EntryIterator)(nil)

// SizeIterator returns the timestamps and line lengths of entries with from <= ts < through, in
// ascending time order.
func (c *Chunk) SizeIterator(from, through int64) *SizeIterator {
	it := &SizeIterator{c: c, from: from, through: through, blocks: c.overlapping(from, through)}
	it.stats.Blocks = len(it.blocks)
	return it
}

// Next advances to the next entry.
func (it *SizeIterator) Next() bool {
	if it.err != nil {
		return false
	}
	for it.i+1 >= it.end {
		if len(it.blocks) == 0 {
			return false
		}
		b := it.blocks[0]
		it.blocks = it.blocks[1:]
		if err := it.c.loadTimes(b, &it.db); err != nil {
			it.err = err
			return false
		}
		m := &it.c.blocks[b]
		it.stats.DecompressedBlocks++
		it.stats.DecompressedBytes += int64(m.rawLen[colTimes])
		it.stats.CompressedBytes += int64(m.compLen[colTimes])
		lo, hi := timeWindow(it.db.ts, it.from, it.through)
		it.i, it.end = lo-1, hi
	}
	it.i++
	return true
}

// At returns the current entry's timestamp and line length in bytes.
func (it *SizeIterator) At() (ts int64, size int) { return it.db.ts[it.i], it.db.lens[it.i] }

// Err returns the first error.
func (it *SizeIterator) Err() error { return it.err }

// Stats returns the work done so far.
func (it *SizeIterator) Stats() IterStats { return it.stats }
