package ingester

import (
	"fmt"
	"slices"
	"unsafe"

	"github.com/klauspost/compress/s2"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// defaultHeadBlockSize is the raw line bytes at which the older part of a stream's head is
// compressed into a headSeg (Config.HeadBlockSize), as Loki cuts its head block at 256 KiB. A
// head then holds at most this much raw; the rest of it, and of a chunk waiting for the
// encoder, is s2-compressed: a cheap codec, since chunks are encoded again, properly, when cut.
const defaultHeadBlockSize = 256 << 10

// headSeg is a compressed, time-sorted run of a stream's head entries (ties in arrival order):
// timestamps, line lengths and metadata apart, the lines concatenated and compressed with s2.
// Immutable.
type headSeg struct {
	ts         []int64
	lens       []uint32
	sm         []labels.Labels // nil when no entry has metadata
	data       []byte
	minT, maxT int64
	raw        int // line bytes
}

// newHeadSeg compresses es, which must be sorted by timestamp. Metadata strings are copied, so
// the segment keeps nothing of es alive.
func newHeadSeg(es []iter.Entry) *headSeg {
	g := &headSeg{ts: make([]int64, len(es)), lens: make([]uint32, len(es)), minT: es[0].Timestamp, maxT: es[len(es)-1].Timestamp}
	hasSM := false
	for k := range es {
		g.raw += len(es[k].Line)
		hasSM = hasSM || len(es[k].StructuredMetadata) > 0
	}
	buf := make([]byte, 0, g.raw)
	for k := range es {
		g.ts[k] = es[k].Timestamp
		g.lens[k] = uint32(len(es[k].Line))
		buf = append(buf, es[k].Line...)
	}
	// s2 returns a slice of a worst-case-sized buffer: keep an exactly-sized copy.
	g.data = append([]byte(nil), s2.Encode(nil, buf)...)
	if hasSM {
		own := make([]iter.Entry, len(es))
		for k := range es {
			own[k].StructuredMetadata = es[k].StructuredMetadata
		}
		ownEntries(own)
		g.sm = make([]labels.Labels, len(es))
		for k := range own {
			g.sm[k] = own[k].StructuredMetadata
		}
	}
	return g
}

// entries decompresses the segment. The lines share one fresh buffer.
func (g *headSeg) entries() ([]iter.Entry, error) {
	buf, err := s2.Decode(make([]byte, g.raw), g.data)
	if err != nil {
		return nil, fmt.Errorf("decompress head segment: %w", err)
	}
	if len(buf) != g.raw {
		return nil, fmt.Errorf("decompress head segment: %d bytes, want %d", len(buf), g.raw)
	}
	out := make([]iter.Entry, len(g.ts))
	off := 0
	for k := range out {
		n := int(g.lens[k])
		out[k].Timestamp = g.ts[k]
		if n > 0 {
			out[k].Line = unsafe.String(&buf[off], n)
		}
		off += n
		if g.sm != nil {
			out[k].StructuredMetadata = g.sm[k]
		}
	}
	return out, nil
}

// mergeSegs returns the entries of segs, each sorted, as one stable sort of their
// concatenation would order them.
func mergeSegs(segs []*headSeg) ([]iter.Entry, error) {
	n, ordered := 0, true
	srcs := make([]source[iter.Entry], len(segs))
	parts := make([][]iter.Entry, len(segs))
	for k, g := range segs {
		es, err := g.entries()
		if err != nil {
			return nil, err
		}
		n += len(es)
		parts[k] = es
		srcs[k] = entrySource(piece{entries: es}, 0, 0, iter.Forward, nil)
		ordered = ordered && (k == 0 || g.minT >= segs[k-1].maxT)
	}
	if ordered {
		// In-order streams (the common case): the segments follow each other.
		return slices.Concat(parts...), nil
	}
	out := make([]iter.Entry, 0, n)
	err := mergeSources(srcs, false, func(e *iter.Entry) bool { out = append(out, *e); return true })
	return out, err
}
