package ingester

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/s2"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// defaultHeadBlockSize is the raw line bytes at which the older part of a stream's head is
// compressed into a headSeg (Config.HeadBlockSize). A head then holds at most this much raw;
// the rest of it, and of a chunk waiting for the encoder, is s2-compressed: a cheap codec,
// since chunks are encoded again, properly, when cut. Half Loki's 256 KiB head block: the raw
// tails of equal-rate streams fill together, so they are a good part of the memory peak
// (with the arenas and entry slots they pin), and s2 is no slower on 128 KiB blocks. Ingesting
// the bench's 512 MiB: peak RSS ~266 -> ~248 MiB, ingest CPU unchanged within noise.
const defaultHeadBlockSize = 128 << 10

// headSeg is a compressed, time-sorted run of a stream's head entries (ties in arrival order):
// timestamps, line lengths and metadata apart, the lines concatenated and compressed with s2.
// Immutable.
type headSeg struct {
	n int // entries
	// cols holds, per entry in order, the uvarint of its timestamp minus the previous one's
	// (minT's for the first: entries are sorted, so these are small), of its line length and,
	// when smSets is not nil, of 0 for no metadata or 1 + the index of its set: about 6 bytes
	// an entry where three slices took 16, ~15% of a segment's memory (heads are most of the
	// ingester's). Entries are only ever read in order, so varints cost a few ns each.
	cols []byte
	// smSets are the distinct structured-metadata sets (owned copies), nil when no entry has
	// metadata. Entries carry one of a few sets (detected_level), so a set is kept once.
	smSets     []labels.Labels
	data       []byte
	minT, maxT int64
	raw        int // line bytes
}

// segCursor reads a segment's columns in order.
type segCursor struct {
	g   *headSeg
	off int
	t   int64
}

func (g *headSeg) cursor() segCursor { return segCursor{g: g, t: g.minT} }

// next returns the next entry's timestamp, line length and structured metadata.
func (c *segCursor) next() (int64, int, labels.Labels) {
	b := c.g.cols
	d, k := binary.Uvarint(b[c.off:])
	c.off += k
	c.t += int64(d) // wraps back for an unsorted segment's negative delta
	n, k := binary.Uvarint(b[c.off:])
	c.off += k
	var sm labels.Labels
	if c.g.smSets != nil {
		j, k := binary.Uvarint(b[c.off:])
		c.off += k
		if j > 0 {
			sm = c.g.smSets[j-1]
		}
	}
	return c.t, int(n), sm
}

// newHeadSeg compresses es, which must be sorted by timestamp. Metadata strings are copied, so
// the segment keeps nothing of es alive.
func newHeadSeg(es []iter.Entry) *headSeg {
	g := &headSeg{n: len(es), minT: es[0].Timestamp, maxT: es[len(es)-1].Timestamp}
	hasSM := false
	for k := range es {
		g.raw += len(es[k].Line)
		hasSM = hasSM || len(es[k].StructuredMetadata) > 0
	}
	sc := getSegScratch()
	defer segScratches.Put(sc)
	buf := sc.buf[:0]
	for k := range es {
		buf = append(buf, es[k].Line...)
	}
	// s2 wants a worst-case-sized destination: compress into the scratch, keep an exact copy.
	if n := s2.MaxEncodedLen(len(buf)); cap(sc.comp) < n {
		sc.comp = make([]byte, n)
	}
	g.data = bytes.Clone(s2.Encode(sc.comp[:cap(sc.comp)], buf))
	sc.buf = buf
	// The columns are written into the scratch too: their size is known once written.
	cols, prev := sc.cols[:0], g.minT
	var recent recentSets
	at := func(j int) labels.Labels { return g.smSets[j] }
	for k := range es {
		e := &es[k]
		cols = binary.AppendUvarint(cols, uint64(e.Timestamp-prev))
		prev = e.Timestamp
		cols = binary.AppendUvarint(cols, uint64(len(e.Line)))
		if !hasSM {
			continue
		}
		if len(e.StructuredMetadata) == 0 {
			cols = append(cols, 0)
			continue
		}
		j, ok := recent.find(e.StructuredMetadata, at)
		if !ok {
			j = len(g.smSets)
			g.smSets = append(g.smSets, e.StructuredMetadata)
			recent.add(j)
		}
		cols = binary.AppendUvarint(cols, uint64(j)+1)
	}
	g.cols = bytes.Clone(cols)
	sc.cols = cols
	if hasSM {
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

// entries decompresses the segment. The lines share one fresh buffer.
func (g *headSeg) entries() ([]iter.Entry, error) {
	buf, err := s2.Decode(make([]byte, g.raw), g.data)
	if err != nil {
		return nil, fmt.Errorf("decompress head segment: %w", err)
	}
	if len(buf) != g.raw {
		return nil, fmt.Errorf("decompress head segment: %d bytes, want %d", len(buf), g.raw)
	}
	out := make([]iter.Entry, g.n)
	off, c := 0, g.cursor()
	for k := range out {
		ts, n, sm := c.next()
		if off+n > len(buf) {
			return nil, fmt.Errorf("decompress head segment: line lengths exceed %d bytes", len(buf))
		}
		out[k].Timestamp, out[k].StructuredMetadata = ts, sm
		if n > 0 {
			out[k].Line = unsafe.String(&buf[off], n)
		}
		off += n
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
	buf, comp, cols []byte
	es, out         []iter.Entry
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
		n += g.n
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
		start, end, c := len(es), off+g.raw, g.cursor()
		for range g.n {
			ts, l, sm := c.next()
			if off+l > end {
				return nil, fmt.Errorf("decompress head segment: line lengths exceed %d bytes", g.raw)
			}
			e := iter.Entry{Timestamp: ts, StructuredMetadata: sm}
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
