package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/skaldlogs/skald/pkg/labels"
)

// Reader answers lookups on one segment. It is immutable after Open and safe for concurrent use.
// It keeps its own copy of the segment: the strings it returns (label names and values, chunk
// keys) are substrings of that copy, so no lookup allocates per string.
type Reader struct {
	symbols  []string // substrings of one string copied from the file
	series   []seriesEntry
	lrefs    []uint32 // label symbol refs of all series: name, value, name, value, ...
	chunks   []byte   // the chunks section
	chunkOff int64    // its offset in the file, for error reports
	postings []byte
	postOff  int64
	names    map[string]*nameEntry
	minT     int64
	maxT     int64
	nchunks  int
}

// minChunkRefLen is the smallest encoding of a chunk ref: six one-byte varints, a 4-byte
// checksum and a key of at least one byte.
const minChunkRefLen = 11

type seriesEntry struct {
	fp         uint64
	lstart     uint32 // index into lrefs
	nlabels    uint32
	minT, maxT int64
	coff       uint64 // offset of its chunk refs in the chunks section
	nchunks    uint32
}

// nameEntry lists one label name's values (sorted) and where each value's postings are.
type nameEntry struct {
	values []string
	lists  []postingsList
}

type postingsList struct {
	off uint32 // in the postings section
	n   uint32 // number of series IDs
	len uint32 // encoded bytes
}

// Open checks data's framing and checksums and decodes what lookups need; chunk refs and
// postings lists are decoded on demand. Errors are *CorruptionError.
func Open(data []byte) (*Reader, error) {
	// One private, immutable copy: the caller may reuse data, and every string handed out
	// (symbols, chunk keys) can point into it without a copy of its own. The byte view below is
	// only ever read.
	if len(data) > 0 {
		own := string(data)
		data = unsafe.Slice(unsafe.StringData(own), len(own))
	}
	if len(data) < headerLen+footerLen {
		return nil, &CorruptionError{Section: "file", Offset: 0, Err: fmt.Errorf("%d bytes: too short", len(data))}
	}
	if string(data[:4]) != magic || string(data[len(data)-4:]) != magic {
		return nil, &CorruptionError{Section: "file", Offset: 0, Err: errors.New("bad magic")}
	}
	if data[4] != formatVersion {
		return nil, &CorruptionError{Section: "file", Offset: 4, Err: fmt.Errorf("unsupported version %d", data[4])}
	}
	if data[5]|data[6]|data[7] != 0 {
		return nil, &CorruptionError{Section: "file", Offset: 5, Err: errors.New("reserved header bytes not zero")}
	}
	foot := data[len(data)-footerLen:]
	tocOff := binary.BigEndian.Uint64(foot)
	tocEnd := uint64(len(data) - footerLen)
	if tocOff < headerLen || tocOff > tocEnd {
		return nil, &CorruptionError{Section: "file", Offset: int64(len(data) - footerLen), Err: fmt.Errorf("TOC offset %d out of range", tocOff)}
	}
	toc := data[tocOff:tocEnd]
	if crc(toc) != binary.BigEndian.Uint32(foot[8:]) {
		return nil, &CorruptionError{Section: "file", Offset: int64(tocOff), Err: errors.New("TOC checksum mismatch")}
	}
	d := decbuf{b: toc, base: int64(tocOff)}
	secs := make(map[uint64][]byte)
	offs := make(map[uint64]int64)
	for n := d.count(4); n > 0 && d.err == nil; n-- {
		id, off, ln, sum := d.uvarint(), d.uvarint(), d.uvarint(), d.be32()
		if d.err != nil {
			break
		}
		if off < headerLen || off > tocOff || ln > tocOff-off {
			d.failf("section %s spans [%d, +%d) outside the data", sectionName(id), off, ln)
			break
		}
		b := data[off : off+ln]
		if crc(b) != sum {
			return nil, &CorruptionError{Section: sectionName(id), Offset: int64(off), Err: errors.New("checksum mismatch")}
		}
		secs[id], offs[id] = b, int64(off)
	}
	if d.err != nil {
		return nil, d.err
	}
	for _, id := range []uint64{secSymbols, secSeries, secChunks, secPostings} {
		if _, ok := secs[id]; !ok {
			return nil, &CorruptionError{Section: sectionName(id), Offset: -1, Err: errors.New("missing")}
		}
	}
	r := &Reader{chunks: secs[secChunks], chunkOff: offs[secChunks], postings: secs[secPostings], postOff: offs[secPostings]}
	if err := r.readSymbols(secs[secSymbols], offs[secSymbols]); err != nil {
		return nil, err
	}
	if err := r.readSeries(secs[secSeries], offs[secSeries]); err != nil {
		return nil, err
	}
	if err := r.readPostingsIndex(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Reader) readSymbols(b []byte, off int64) error {
	d := decbuf{b: b, base: off, sec: secSymbols}
	n := d.count(1)
	r.symbols = make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		ln := d.uvarint()
		start := d.pos
		d.bytes(ln)
		if d.err != nil {
			break
		}
		s := ""
		if ln > 0 {
			s = unsafe.String(&b[start], d.pos-start)
		}
		if i > 0 && s <= r.symbols[i-1] {
			d.failf("symbol %d out of order", i)
			break
		}
		r.symbols = append(r.symbols, s)
	}
	return d.err
}

func (r *Reader) sym(d *decbuf) uint32 {
	v := d.uvarint()
	if d.err == nil && v >= uint64(len(r.symbols)) {
		d.failf("symbol ref %d out of range", v)
		return 0
	}
	return uint32(v)
}

func (r *Reader) readSeries(b []byte, off int64) error {
	d := decbuf{b: b, base: off, sec: secSeries}
	n := d.count(14)
	r.series = make([]seriesEntry, 0, n)
	r.minT, r.maxT = math.MaxInt64, math.MinInt64
	for i := 0; i < n && d.err == nil; i++ {
		s := seriesEntry{fp: d.be64(), lstart: uint32(len(r.lrefs))}
		nl := d.count(2)
		s.nlabels = uint32(nl)
		for j := 0; j < nl && d.err == nil; j++ {
			name, value := r.sym(&d), r.sym(&d)
			if j > 0 && name <= r.lrefs[len(r.lrefs)-2] {
				d.failf("series %d: labels out of order", i)
			}
			r.lrefs = append(r.lrefs, name, value)
		}
		s.minT = d.varint()
		span := d.uvarint()
		s.coff = d.uvarint()
		nch := d.uvarint()
		if d.err != nil {
			break
		}
		if span > math.MaxInt64 || s.minT > math.MaxInt64-int64(span) {
			d.failf("series %d: time span overflows", i)
			break
		}
		s.maxT = s.minT + int64(span)
		// An encoded chunk ref takes at least minChunkRefLen bytes.
		if s.coff > uint64(len(r.chunks)) || nch == 0 || nch > (uint64(len(r.chunks))-s.coff)/minChunkRefLen {
			d.failf("series %d: %d chunk refs at %d outside the chunks section", i, nch, s.coff)
			break
		}
		s.nchunks = uint32(nch)
		if i > 0 && r.compareSeries(i-1, s) >= 0 {
			d.failf("series %d out of order", i)
			break
		}
		r.series = append(r.series, s)
		r.minT, r.maxT = min(r.minT, s.minT), max(r.maxT, s.maxT)
		r.nchunks += int(s.nchunks)
	}
	return d.err
}

// compareSeries orders series i before s by their labels; symbol refs order like their strings
// because the symbol table is sorted.
func (r *Reader) compareSeries(i int, s seriesEntry) int {
	a := r.lrefs[r.series[i].lstart : r.series[i].lstart+2*r.series[i].nlabels]
	b := r.lrefs[s.lstart : s.lstart+2*s.nlabels]
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return int(a[k]) - int(b[k])
		}
	}
	return len(a) - len(b)
}

func (r *Reader) readPostingsIndex() error {
	d := decbuf{b: r.postings, base: r.postOff, sec: secPostings}
	n := d.count(2)
	r.names = make(map[string]*nameEntry, n)
	prevName := -1
	for i := 0; i < n && d.err == nil; i++ {
		name := int(r.sym(&d))
		nv := d.count(4)
		if d.err != nil {
			break
		}
		if name <= prevName {
			d.failf("label name %d out of order", i)
			break
		}
		prevName = name
		e := &nameEntry{values: make([]string, 0, nv), lists: make([]postingsList, 0, nv)}
		prevVal := -1
		for j := 0; j < nv && d.err == nil; j++ {
			val := int(r.sym(&d))
			cnt := d.uvarint()
			ln := d.uvarint()
			start := d.pos
			d.bytes(ln)
			if d.err != nil {
				break
			}
			if val <= prevVal || cnt == 0 || cnt > ln || cnt > uint64(len(r.series)) {
				d.failf("label %s: value %d out of order or bad count", r.symbols[name], j)
				break
			}
			prevVal = val
			e.values = append(e.values, r.symbols[val])
			e.lists = append(e.lists, postingsList{off: uint32(start), n: uint32(cnt), len: uint32(ln)})
		}
		r.names[r.symbols[name]] = e
	}
	return d.err
}

// list decodes one postings list, checking that IDs ascend and stay within the series table.
func (r *Reader) list(p postingsList, dst []uint32) ([]uint32, error) {
	d := decbuf{b: r.postings[p.off : p.off+p.len], base: r.postOff + int64(p.off), sec: secPostings}
	var id uint64
	for i := uint32(0); i < p.n && d.err == nil; i++ {
		v := d.uvarint()
		if i > 0 && v == 0 {
			d.fail(errors.New("postings not ascending"))
		}
		id += v
		if id >= uint64(len(r.series)) {
			d.failf("series ID %d out of range", id)
		}
		dst = append(dst, uint32(id))
	}
	return dst, d.err
}

// chunksOf decodes the chunk refs of series s that overlap [from, through].
func (r *Reader) chunksOf(s *seriesEntry, from, through int64) ([]ChunkRef, error) {
	return r.appendChunks(make([]ChunkRef, 0, s.nchunks), s, from, through)
}

// appendChunks appends the chunk refs of series s that overlap [from, through] to out.
func (r *Reader) appendChunks(out []ChunkRef, s *seriesEntry, from, through int64) ([]ChunkRef, error) {
	d := decbuf{b: r.chunks, pos: int(s.coff), base: r.chunkOff, sec: secChunks}
	prev := s.minT
	for i := uint32(0); i < s.nchunks && d.err == nil; i++ {
		var c ChunkRef
		c.From = prev + d.varint()
		prev = c.From
		span := d.uvarint()
		c.Size = int64(d.uvarint() & math.MaxInt64)
		c.UncompressedSize = int64(d.uvarint() & math.MaxInt64)
		c.Entries = int64(d.uvarint() & math.MaxInt64)
		c.Checksum = d.be32()
		key := d.bytes(d.uvarint())
		if d.err != nil {
			break
		}
		if span > math.MaxInt64 || c.From > math.MaxInt64-int64(span) {
			d.failf("chunk %d: time span overflows", i)
			break
		}
		if len(key) == 0 {
			d.failf("chunk %d: empty key", i)
			break
		}
		c.Through = c.From + int64(span)
		if !c.Overlaps(from, through) {
			continue
		}
		c.Key = unsafe.String(&key[0], len(key))
		out = append(out, c)
	}
	return out, d.err
}

// appendLabels appends the labels of series s to dst.
func (r *Reader) appendLabels(dst []labels.Label, s *seriesEntry) []labels.Label {
	refs := r.lrefs[s.lstart : s.lstart+2*s.nlabels]
	for i := 0; i < len(refs); i += 2 {
		dst = append(dst, labels.Label{Name: r.symbols[refs[i]], Value: r.symbols[refs[i+1]]})
	}
	return dst
}

// NumSeries returns the number of series in the segment.
func (r *Reader) NumSeries() int { return len(r.series) }

// NumChunks returns the number of chunk refs in the segment.
func (r *Reader) NumChunks() int { return r.nchunks }

// Bounds returns the earliest From and the latest Through of the segment's chunks; ok is false
// for an empty segment.
func (r *Reader) Bounds() (from, through int64, ok bool) {
	return r.minT, r.maxT, len(r.series) > 0
}
