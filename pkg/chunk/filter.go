package chunk

import (
	"encoding/binary"
	"slices"
	"sync"
)

// The token filter of a block is a Bloom filter over the distinct 4-grams (4-byte windows) of
// its lines. Any literal needle of at least 4 bytes that occurs in a line has all its 4-grams in
// that line, so a block whose filter misses one 4-gram of the needle cannot contain it: the
// check has no false negatives for every substring, not just for whole words. Needles shorter
// than 4 bytes cannot be checked and always pass. Grams never span two lines.
//
// Why 4-grams: trigrams saturate on hex-heavy logs (trace IDs cover all 4096 hex trigrams in one
// block), so a hex needle skipped only half the blocks in chunk_bench_test.go; 4-grams skip
// nearly all. Each 4-gram is first reduced to a 24-bit key by a multiplicative hash so distinct
// keys can be collected in a 2 MiB bitmap (the Bloom filter is sized by their count); the query
// reduces the needle's 4-grams the same way, so key collisions only add false positives.

const (
	gramLen = 4
	// DefaultFilterBitsPerGram sizes block filters. With b bits per distinct gram, one probe
	// per gram passes an absent gram with probability 1-e^(-1/b): 39% at 2 bits, the same as
	// two probes (40%) for half the memory reads, which dominate a needle search's filter
	// checks; at 3 bits and more two probes do better (24% vs 28%), so from version 4 a chunk
	// uses one probe up to 2 bits and two above (its header says which; two before version 4).
	// A needle of n bytes tests n-3 grams. docs/format/chunk.md has the rates on bench data.
	DefaultFilterBitsPerGram = 2
)

// gramSet collects the distinct 24-bit keys of the 4-grams of one block: membership is a 2 MiB
// bitmap, and the list of set keys both feeds the Bloom filter and clears the bitmap
// for the next block without touching all of it.
type gramSet struct {
	seen []uint64 // 1<<24 bits, allocated on first use
	list []uint32
}

// gramSets recycles gramSets between builders: a fresh one costs a zeroed 2 MiB bitmap, which
// would dominate building the many small chunks of quiet streams. A set is always returned
// cleared (reset runs after every block), so reuse cannot change a filter.
var gramSets = sync.Pool{New: func() any { return &gramSet{} }}

func (g *gramSet) addLine(line string) {
	if len(line) < gramLen {
		return
	}
	x := uint32(line[0])<<16 | uint32(line[1])<<8 | uint32(line[2])
	g.addRun(x, line[3:])
}

// addWindows adds the grams of line that start at lo..hi (clipped to the line).
func (g *gramSet) addWindows(line []byte, lo, hi int) {
	lo = max(lo, 0)
	hi = min(hi, len(line)-gramLen)
	if lo > hi {
		return
	}
	x := uint32(line[lo])<<16 | uint32(line[lo+1])<<8 | uint32(line[lo+2])
	g.addRun(x, bstr(line[lo+3:hi+4]))
}

// addRun adds the grams ending at each byte of rest, x holding the three bytes before it. The
// loop has no branch on the bitmap: a gram's key is written to the list's next slot whether or
// not it is new, and the slot is kept only if it was. Whether a key is new is a coin toss to
// the branch predictor, and without the branch the processor overlaps the bitmap reads (the
// bitmap is 2 MiB, mostly out of cache) instead of waiting for each.
func (g *gramSet) addRun(x uint32, rest string) {
	if g.seen == nil {
		g.seen = make([]uint64, (1<<24)/64)
	}
	seen := g.seen
	n := len(g.list)
	g.list = slices.Grow(g.list, len(rest))[:n+len(rest)]
	list := g.list
	for i := 0; i < len(rest); i++ {
		x = x<<8 | uint32(rest[i])
		v := gramKey(x)
		w := seen[v>>6]
		bit := w >> (v & 63) & 1
		seen[v>>6] = w | 1<<(v&63)
		list[n] = v
		n += int(bit ^ 1)
	}
	g.list = list[:n]
}

func (g *gramSet) reset() {
	for _, v := range g.list {
		g.seen[v>>6] = 0
	}
	g.list = g.list[:0]
}

// buildFilter returns the Bloom filter bytes (a multiple of 8, little-endian uint64 words) for the
// collected grams; empty when there are none.
func (g *gramSet) buildFilter(bitsPerGram int, salt uint64, probes int) []byte {
	if len(g.list) == 0 {
		return nil
	}
	nbits := len(g.list) * bitsPerGram
	words := (nbits + 63) / 64
	f := make([]uint64, words)
	m := uint64(words * 64)
	for _, v := range g.list {
		h1, h2 := gramHashes(v, salt)
		f[reduce(h1, m)>>6] |= 1 << (reduce(h1, m) & 63)
		if probes > 1 {
			f[reduce(h2, m)>>6] |= 1 << (reduce(h2, m) & 63)
		}
	}
	out := make([]byte, words*8)
	for i, w := range f {
		binary.LittleEndian.PutUint64(out[i*8:], w)
	}
	return out
}

// filterSalt is the salt of block i's filter, starting at minT (version 4 on). Blocks share
// most of their grams (JSON keys, common words, hex), so with one hash for all of them a gram
// absent from every block would hit the bits a common gram set at the same relative position
// in most of them: its false positives would be the same blocks' again and again, and some
// needles would pass nearly every block (on the bench data, absent 4-grams passed between 5%
// and 80% of the blocks instead of 40% each). A salt per block makes each block's false
// positives independent.
func filterSalt(i int, minT int64) uint64 {
	return uint64(minT)*0x9E3779B97F4A7C15 ^ uint64(i)<<40
}

// gramKey reduces a 4-gram to 24 bits (the top bits of a multiplicative hash mix best).
func gramKey(x uint32) uint32 { return (x * 0x9E3779B1) >> 8 }

// gramHashes derives the two probe hashes of a gram key, salted (0: unsalted, before version
// 4), from one 64-bit multiplicative mix.
func gramHashes(v uint32, salt uint64) (uint32, uint32) {
	h := (uint64(v) ^ salt) * 0x9E3779B97F4A7C15
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return uint32(h), uint32(h >> 32)
}

// reduce maps a 32-bit hash onto [0, m) without a division.
func reduce(h uint32, m uint64) uint64 {
	return (uint64(h) * m) >> 32
}

// filterMayContain reports whether a block with filter f may hold a line containing needle.
// False means it certainly does not.
func filterMayContain(f []byte, needle string, salt uint64, probes int) bool {
	if len(needle) < gramLen {
		return true
	}
	if len(f) == 0 {
		// No gram was recorded: every line was shorter than gramLen bytes.
		return false
	}
	m := uint64(len(f) * 8)
	test := func(bit uint64) bool {
		return f[bit>>3]&(1<<(bit&7)) != 0
	}
	x := uint32(needle[0])<<16 | uint32(needle[1])<<8 | uint32(needle[2])
	for i := 3; i < len(needle); i++ {
		x = x<<8 | uint32(needle[i])
		h1, h2 := gramHashes(gramKey(x), salt)
		if !test(reduce(h1, m)) || probes > 1 && !test(reduce(h2, m)) {
			return false
		}
	}
	return true
}
