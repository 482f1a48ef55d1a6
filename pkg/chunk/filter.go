package chunk

import "encoding/binary"

// The token filter of a block is a Bloom filter over the distinct trigrams (3-byte windows) of
// its lines. Any literal needle of at least 3 bytes that occurs in a line has all its trigrams in
// that line, so a block whose filter misses one trigram of the needle cannot contain it: the
// check has no false negatives for every substring, not just for whole words. Needles shorter
// than 3 bytes cannot be checked and always pass. Trigrams never span two lines.

const (
	gramLen = 3
	// filterHashes is the number of probes per trigram. With filterBitsPerGram bits per distinct
	// trigram, 2 probes give a per-trigram false positive rate near 11%; a needle of n bytes tests
	// n-2 trigrams, so a 10-byte needle that is absent passes a block with p ≈ 0.11^8 (if its
	// trigrams were independent), which keeps the filter at ~5 bits per distinct trigram.
	filterHashes = 2
	// DefaultFilterBitsPerGram sizes block filters (see filterHashes).
	DefaultFilterBitsPerGram = 5
)

// gramSet collects the distinct trigrams of one block. A trigram is 24 bits, so membership is a
// 2 MiB bitmap, and the list of set trigrams both feeds the Bloom filter and clears the bitmap
// for the next block without touching all of it.
type gramSet struct {
	seen []uint64 // 1<<24 bits, allocated on first use
	list []uint32
}

func (g *gramSet) addLine(line string) {
	if len(line) < gramLen {
		return
	}
	if g.seen == nil {
		g.seen = make([]uint64, (1<<24)/64)
	}
	seen := g.seen
	v := uint32(line[0])<<8 | uint32(line[1])
	for i := 2; i < len(line); i++ {
		v = (v<<8 | uint32(line[i])) & 0xffffff
		w, m := v>>6, uint64(1)<<(v&63)
		if seen[w]&m == 0 {
			seen[w] |= m
			g.list = append(g.list, v)
		}
	}
}

func (g *gramSet) reset() {
	for _, v := range g.list {
		g.seen[v>>6] = 0
	}
	g.list = g.list[:0]
}

// buildFilter returns the Bloom filter bytes (a multiple of 8, little-endian uint64 words) for the
// collected trigrams; empty when there are none.
func (g *gramSet) buildFilter(bitsPerGram int) []byte {
	if len(g.list) == 0 {
		return nil
	}
	nbits := len(g.list) * bitsPerGram
	words := (nbits + 63) / 64
	f := make([]uint64, words)
	m := uint64(words * 64)
	for _, v := range g.list {
		h1, h2 := gramHashes(v)
		f[reduce(h1, m)>>6] |= 1 << (reduce(h1, m) & 63)
		f[reduce(h2, m)>>6] |= 1 << (reduce(h2, m) & 63)
	}
	out := make([]byte, words*8)
	for i, w := range f {
		binary.LittleEndian.PutUint64(out[i*8:], w)
	}
	return out
}

// gramHashes derives the two probe hashes of a trigram from one 64-bit multiplicative mix.
func gramHashes(v uint32) (uint32, uint32) {
	h := uint64(v) * 0x9E3779B97F4A7C15
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
func filterMayContain(f []byte, needle string) bool {
	if len(needle) < gramLen {
		return true
	}
	if len(f) == 0 {
		// No trigram was recorded: every line was shorter than 3 bytes.
		return false
	}
	m := uint64(len(f) * 8)
	test := func(bit uint64) bool {
		return f[bit>>3]&(1<<(bit&7)) != 0
	}
	v := uint32(needle[0])<<8 | uint32(needle[1])
	for i := 2; i < len(needle); i++ {
		v = (v<<8 | uint32(needle[i])) & 0xffffff
		h1, h2 := gramHashes(v)
		if !test(reduce(h1, m)) || !test(reduce(h2, m)) {
			return false
		}
	}
	return true
}
