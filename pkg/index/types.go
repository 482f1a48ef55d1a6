package index

import (
	"fmt"

	"github.com/skaldlogs/skald/pkg/labels"
)

// ChunkRef locates one chunk object of a series and summarises it, so that a query can decide
// whether to fetch it and how much that costs without reading it.
type ChunkRef struct {
	From, Through int64 // Unix ns of the first and last entry, inclusive
	Size          int64 // bytes of the chunk object as stored
	// UncompressedSize is the bytes of the chunk's lines and structured metadata, what Loki's
	// index stats report as bytes and what query limits on bytes processed count.
	UncompressedSize int64
	Entries          int64 // number of entries in the chunk
	Key              string
	Checksum         uint32 // the chunk object's own checksum (CRC32C of its bytes, by convention)
}

// Overlaps reports whether the chunk has entries possibly within [from, through] (inclusive).
func (c ChunkRef) Overlaps(from, through int64) bool { return c.From <= through && c.Through >= from }

func (c ChunkRef) String() string {
	return fmt.Sprintf("%s[%d,%d] %dB %d entries crc %08x", c.Key, c.From, c.Through, c.Size, c.Entries, c.Checksum)
}

func compareChunkRefs(a, b ChunkRef) int {
	switch {
	case a.From != b.From:
		return cmp64(a.From, b.From)
	case a.Through != b.Through:
		return cmp64(a.Through, b.Through)
	case a.Key != b.Key:
		if a.Key < b.Key {
			return -1
		}
		return 1
	case a.Size != b.Size:
		return cmp64(a.Size, b.Size)
	case a.UncompressedSize != b.UncompressedSize:
		return cmp64(a.UncompressedSize, b.UncompressedSize)
	case a.Entries != b.Entries:
		return cmp64(a.Entries, b.Entries)
	case a.Checksum != b.Checksum:
		return cmp64(int64(a.Checksum), int64(b.Checksum))
	}
	return 0
}

func cmp64(a, b int64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// SeriesChunks is one series and those of its chunk refs that a lookup selected, ordered by
// From (then Through and Key).
type SeriesChunks struct {
	Labels      labels.Labels
	Fingerprint uint64 // Labels.Hash()
	Chunks      []ChunkRef
}

// Lookup is what the read path asks of an index: a *Reader (one segment) or a *MultiReader
// (several segments of a tenant) implement it. Implementations are safe for concurrent use.
type Lookup interface {
	// Series returns the series the matchers select (every series for none) that have chunks
	// overlapping [from, through], with those chunk refs, sorted by labels.
	Series(matchers []*labels.Matcher, from, through int64) ([]SeriesChunks, error)
	// LabelNames returns the sorted label names of the selected series with chunks in range.
	LabelNames(from, through int64, matchers []*labels.Matcher) ([]string, error)
	// LabelValues returns the sorted values of name among the selected series with chunks in range.
	LabelValues(name string, from, through int64, matchers []*labels.Matcher) ([]string, error)
	// Stats returns the streams, chunks, uncompressed bytes and entries the matchers select.
	Stats(matchers []*labels.Matcher, from, through int64) (Stats, error)
}

var (
	_ Lookup = (*Reader)(nil)
	_ Lookup = (*MultiReader)(nil)
)
