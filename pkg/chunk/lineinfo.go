package chunk

import (
	"bytes"
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
	"github.com/skaldlogs/skald/pkg/labels"
)

// LineInfo is an entry without its line bytes: all that a count or a byte sum of lines needs,
// and the line's hash that identifies the entry when replicas are deduplicated.
type LineInfo struct {
	Timestamp int64
	LineLen   int
	// LineHash is xxhash64 of the line, the value a sample extracted from the line carries
	// as iter.Sample.Hash.
	LineHash           uint64
	StructuredMetadata labels.Labels
}

// HasLineHashes reports whether the chunk stores its lines' hashes (version 2, or version 3
// built with Options.LineHashes), so that an InfoIterator reads no line bytes. Over other
// chunks an InfoIterator still works, but decompresses the lines to hash them.
func (c *Chunk) HasLineHashes() bool {
	for i := range c.blocks {
		if !c.blockHasHashes(i) {
			return false
		}
	}
	return c.version != formatVersionNoHashes
}

func (c *Chunk) blockHasHashes(b int) bool {
	return c.version != formatVersionNoHashes && c.blocks[b].rawLen[colHashes] > 0
}

// InfoIterator yields the LineInfo of each entry in a time range, in ascending time order. It
// decompresses the timestamp, line hash and (when the block has any) structured metadata
// columns, never the lines of a chunk that HasLineHashes. Not safe for concurrent use.
type InfoIterator struct {
	c       *Chunk
	from    int64
	through int64
	blocks  []int
	db      decodedBlock
	hashes  []uint64
	i, end  int
	err     error
	stats   IterStats
	meta    metaCache
	// noHashes: LineHash stays 0, and neither hashes nor lines are read (SkipHashes) unless
	// Hash asks for one: then the lines of block cur are decompressed (linesLoaded).
	noHashes    bool
	cur         int
	linesLoaded bool
}

// SkipHashes makes the iterator leave LineHash zero and read neither the hash column nor the
// lines: for a count that compares few entries with copies (a stream's entries summed per step
// in the store; Hash gives the hash of an entry that needs one). Call it before the first Next.
func (it *InfoIterator) SkipHashes() *InfoIterator {
	it.noHashes = true
	return it
}

// Hash returns the current entry's line hash. After SkipHashes it is computed on demand,
// decompressing the block's lines on the first call in a block.
func (it *InfoIterator) Hash() (uint64, error) {
	if !it.noHashes {
		return it.hashes[it.i], nil
	}
	if !it.linesLoaded {
		if err := it.c.loadLines(it.cur, &it.db, nil); err != nil {
			return 0, err
		}
		it.linesLoaded = true
		m := &it.c.blocks[it.cur]
		it.stats.DecompressedBytes += int64(m.rawLen[colLines])
		it.stats.CompressedBytes += int64(m.compLen[colLines])
	}
	db := &it.db
	return xxhash.Sum64(db.lines[db.offs[it.i] : db.offs[it.i]+db.lens[it.i]]), nil
}

// InfoIterator returns the LineInfo of the entries with from <= ts < through, ascending.
func (c *Chunk) InfoIterator(from, through int64) *InfoIterator {
	it := &InfoIterator{c: c, from: from, through: through, blocks: c.overlapping(from, through)}
	it.stats.Blocks = len(it.blocks)
	return it
}

// Next advances to the next entry.
func (it *InfoIterator) Next() bool {
	if it.err != nil {
		return false
	}
	for it.i+1 >= it.end {
		if len(it.blocks) == 0 {
			return false
		}
		b := it.blocks[0]
		it.blocks = it.blocks[1:]
		if err := it.load(b); err != nil {
			it.err = err
			return false
		}
		lo, hi := timeWindow(it.db.ts, it.from, it.through)
		it.i, it.end = lo-1, hi
	}
	it.i++
	return true
}

// load decodes block b's timestamps, lengths, hashes and metadata, and counts the work.
func (it *InfoIterator) load(b int) error {
	c, db, m := it.c, &it.db, &it.c.blocks[b]
	it.cur, it.linesLoaded = b, false
	if err := c.loadTimes(b, db); err != nil {
		return err
	}
	it.hashes = it.hashes[:0]
	cols := []int{colTimes, colMeta}
	if it.noHashes {
		if err := c.loadMeta(b, db); err != nil {
			return err
		}
		for i := 0; i < m.entries; i++ {
			it.hashes = append(it.hashes, 0)
		}
	} else if c.blockHasHashes(b) {
		col, err := c.column(b, colHashes)
		if err != nil {
			return err
		}
		// The directory check guarantees 8 bytes per entry.
		for i := 0; i < m.entries; i++ {
			it.hashes = append(it.hashes, binary.LittleEndian.Uint64(col[8*i:]))
		}
		if err := c.loadMeta(b, db); err != nil {
			return err
		}
		cols = append(cols, colHashes)
	} else {
		if err := c.loadLines(b, db, nil); err != nil {
			return err
		}
		for i := 0; i < m.entries; i++ {
			it.hashes = append(it.hashes, xxhash.Sum64(db.lines[db.offs[i]:db.offs[i]+db.lens[i]]))
		}
		cols = append(cols, colLines)
	}
	it.stats.DecompressedBlocks++
	it.stats.DecompressedLines += int64(m.entries)
	for _, col := range cols {
		it.stats.DecompressedBytes += int64(m.rawLen[col])
		it.stats.CompressedBytes += int64(m.compLen[col])
	}
	it.stats.StructuredMetadataBytes += int64(m.rawLen[colMeta])
	return nil
}

// At returns the current entry's LineInfo. Its structured metadata shares the decompressed
// block and stays valid after Next.
func (it *InfoIterator) At() LineInfo {
	return LineInfo{
		Timestamp:          it.db.ts[it.i],
		LineLen:            it.db.lens[it.i],
		LineHash:           it.hashes[it.i],
		StructuredMetadata: it.meta.get(it.db.metaRaw(it.i)),
	}
}

// Err returns the first error, a *CorruptionError for damaged blocks.
func (it *InfoIterator) Err() error { return it.err }

// Stats returns the work done so far.
func (it *InfoIterator) Stats() IterStats { return it.stats }

// metaCache parses encoded structured metadata. Entries of a stream carry few distinct sets
// (detected_level's values, a pod name), so the last few encodings seen reuse their labels
// instead of allocating them again; labels are immutable, so sharing is safe.
type metaCache struct {
	raws  [metaCacheSize][]byte
	metas [metaCacheSize]labels.Labels
	next  int // slot the next new encoding replaces
}

const metaCacheSize = 8

func (m *metaCache) get(raw []byte) labels.Labels {
	if len(raw) <= 1 { // nil, or a zero count: no metadata
		return nil
	}
	for i := range m.raws {
		if m.metas[i] != nil && bytes.Equal(raw, m.raws[i]) {
			return m.metas[i]
		}
	}
	l := parseMeta(raw)
	m.raws[m.next], m.metas[m.next] = raw, l
	m.next = (m.next + 1) % metaCacheSize
	return l
}
