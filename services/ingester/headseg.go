package ingester

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
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
	ts   []int64
	lens []uint32
	// smSets are the distinct structured-metadata sets (owned copies), smIdx per entry 0 for
	// none or 1 + the index of its set; both nil when no entry has metadata. Entries carry one
	// of a few sets (detected_level), so a set is kept once, not per entry.
	smSets     []labels.Labels
	smIdx      []uint32
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
	sc := getSegScratch()
	defer segScratches.Put(sc)
	buf := sc.buf[:0]
	for k := range es {
		g.ts[k] = es[k].Timestamp
		g.lens[k] = uint32(len(es[k].Line))
		buf = append(buf, es[k].Line...)
	}
	// s2 wants a worst-case-sized destination: compress into the scratch, keep an exact copy.
	if n := s2.MaxEncodedLen(len(buf)); cap(sc.comp) < n {
		sc.comp = make([]byte, n)
	}
	g.data = bytes.Clone(s2.Encode(sc.comp[:cap(sc.comp)], buf))
	sc.buf = buf
	if hasSM {
		g.smIdx = make([]uint32, len(es))
		var recent recentSets
		at := func(j int) labels.Labels { return g.smSets[j] }
		for k := range es {
			sm := es[k].StructuredMetadata
			if len(sm) == 0 {
				continue
			}
			j, ok := recent.find(sm, at)
			if !ok {
				j = len(g.smSets)
				g.smSets = append(g.smSets, sm)
				recent.add(j)
			}
			g.smIdx[k] = uint32(j) + 1
		}
		// Copy the sets' strings, so the segment keeps nothing of es alive.
		own := make([]iter.Entry, len(g.smSets))
		for j, sm := range g.smSets {
			own[j].StructuredMetadata = sm
		}
		ownEntries(own)
		for j := range own {
			g.smSets[j] = own[j].StructuredMetadata
		}
	}
	return g
}

// metadata returns entry k's structured metadata.
func (g *headSeg) metadata(k int) labels.Labels {
	if g.smIdx == nil || g.smIdx[k] == 0 {
		return nil
	}
	return g.smSets[g.smIdx[k]-1]
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
		out[k].StructuredMetadata = g.metadata(k)
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

// segScratch is newHeadSeg's and decodeSegs' reusable memory: segments are cut and decoded by
// the hundred per second under load, each a few hundred KiB.
type segScratch struct {
	buf, comp []byte
	es, out   []iter.Entry
}

var segScratches sync.Pool

func getSegScratch() *segScratch {
	if sc, ok := segScratches.Get().(*segScratch); ok {
		return sc
	}
	return &segScratch{}
}

// decodeSegs is mergeSegs into sc's memory: the entries and their lines are valid until sc is
// released, for a caller that copies what it keeps (the chunk encoder).
func (sc *segScratch) decodeSegs(segs []*headSeg) ([]iter.Entry, error) {
	raw, n, ordered := 0, 0, true
	for k, g := range segs {
		raw += g.raw
		n += len(g.ts)
		ordered = ordered && (k == 0 || g.minT >= segs[k-1].maxT)
	}
	if cap(sc.buf) < raw {
		sc.buf = make([]byte, raw)
	}
	buf := sc.buf[:raw]
	es := slices.Grow(sc.es[:0], n)
	var parts [][]iter.Entry
	off := 0
	for _, g := range segs {
		dec, err := s2.Decode(buf[off:off+g.raw], g.data)
		if err != nil {
			return nil, fmt.Errorf("decompress head segment: %w", err)
		}
		if len(dec) != g.raw || (g.raw > 0 && &dec[0] != &buf[off]) {
			return nil, fmt.Errorf("decompress head segment: %d bytes, want %d", len(dec), g.raw)
		}
		start := len(es)
		for k := range g.ts {
			l := int(g.lens[k])
			e := iter.Entry{Timestamp: g.ts[k], StructuredMetadata: g.metadata(k)}
			if l > 0 {
				e.Line = unsafe.String(&buf[off], l)
			}
			es = append(es, e)
			off += l
		}
		parts = append(parts, es[start:])
	}
	sc.es = es
	if ordered {
		return es, nil
	}
	srcs := make([]source[iter.Entry], len(parts))
	for k, p := range parts {
		srcs[k] = entrySource(piece{entries: p}, 0, 0, iter.Forward, nil)
	}
	out := sc.out[:0]
	err := mergeSources(srcs, false, func(e *iter.Entry) bool { out = append(out, *e); return true })
	sc.out = out
	return out, err
}

// release forgets the entries (so the pool keeps no metadata alive) and pools sc.
func (sc *segScratch) release() {
	clear(sc.es)
	clear(sc.out)
	segScratches.Put(sc)
}
