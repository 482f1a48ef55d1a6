package chunk

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
)

// shapeOp is one step of rebuilding a line: literal bytes, then a slot (or nothing, kind 0,
// for the template's tail).
type shapeOp struct {
	lit  []byte
	kind byte
	col  int
}

// colCursor walks one decoded value column.
type colCursor struct {
	kind byte
	lens []int32 // colText, colHex
	data []byte
	n    int // values consumed
	off  int // bytes of data consumed (colText, colHex)

	dict    [][]byte // colDict, colSplit, colLead; data holds the indexes
	dictNum []bool   // colSplit, colLead: whether an entry's values carry a decimal
	suf     []uint64 // colSplit, colLead: the decimals, in value order
	sn      int      // decimals consumed

	numK   int // colNum: components, their byte widths and plane offsets in data
	rows   int
	width  [maxNumComps]int
	planes [maxNumComps]int
}

// shapeDecoder holds the scratch of rebuilding a block's lines. Pooled: the frames are only
// needed while the lines are rebuilt, so their buffers serve the next block.
type shapeDecoder struct {
	frames  [][]byte
	ops     [][]shapeOp
	cols    []colCursor
	lens    []int32
	counts  []int
	suf     []uint64
	tf      timeFormatter
	rawOff  int    // raw lines consumed
	line    []byte // scratch for a line tested against needles
	compLen []int
	rawLen  []int
	cand    []rowSet // per shape, the rows a needle search rebuilds
	rowN    []int    // per shape, its lines seen so far
}

var shapeDecoders = sync.Pool{New: func() any { return &shapeDecoder{} }}

var errShape = errors.New("bad shaped lines")

// decodeLines rebuilds the lines of a version 3 block from its lines column src (checksum
// already verified) into a new buffer of exactly size bytes. lens and ts are the block's line
// lengths and timestamps, already validated. With needles, only the lines that contain every
// needle are kept, back to back, and keep lists their indexes (a needle search keeps a line or
// two of a block, so it allocates for those only); keep is nil without needles.
func decodeLines(codec Codec, src []byte, size int, lens []int, ts []int64, needles []string) (lines []byte, keep []int32, err error) {
	if size == 0 {
		if len(src) != 0 {
			return nil, nil, fmt.Errorf("%d bytes for no lines", len(src))
		}
		return nil, nil, nil
	}
	if len(src) == 0 {
		return nil, nil, errors.New("empty lines column")
	}
	switch src[0] {
	case linesPlain:
		out, err := decompress(codec, src[1:], size)
		if err != nil || len(needles) == 0 {
			return out, nil, err
		}
		out, keep = filterLines(out, lens, needles)
		return out, keep, nil
	case linesShaped:
		d := shapeDecoders.Get().(*shapeDecoder)
		out, keep, err := d.decode(codec, src[1:], size, lens, ts, needles)
		shapeDecoders.Put(d)
		return out, keep, err
	}
	return nil, nil, fmt.Errorf("unknown lines container kind %d", src[0])
}

// filterLines keeps the lines (back to back in lines, split by lens) that contain every needle,
// in place, and returns them and their indexes.
func filterLines(lines []byte, lens []int, needles []string) ([]byte, []int32) {
	keep := []int32{}
	w, off := 0, 0
	for i, l := range lens {
		line := lines[off : off+l]
		off += l
		if containsAll(line, needles) {
			w += copy(lines[w:], line)
			keep = append(keep, int32(i))
		}
	}
	return lines[:w], keep
}

func containsAll(line []byte, needles []string) bool {
	for _, n := range needles {
		if !bytes.Contains(line, []byte(n)) {
			return false
		}
	}
	return true
}

func (d *shapeDecoder) decode(codec Codec, src []byte, size int, lens []int, ts []int64, needles []string) ([]byte, []int32, error) {
	db := decbuf{b: src}
	nf := db.size(len(src) / 2)
	if db.err != nil || nf < 2 {
		return nil, nil, fmt.Errorf("%w: %d frames", errShape, nf)
	}
	// Bound what the frames may decompress to: a damaged header must not make us allocate
	// without limit. Values and lengths take at most about the line bytes plus 10 bytes each.
	budget := 2*size + 16*len(lens) + 1<<16
	d.compLen, d.rawLen = d.compLen[:0], d.rawLen[:0]
	total := 0
	for i := 0; i < nf; i++ {
		d.compLen = append(d.compLen, db.size(len(src)))
		r := db.size(budget)
		budget -= r
		d.rawLen = append(d.rawLen, r)
		total += d.compLen[i]
	}
	if db.err != nil || total != len(db.b) {
		return nil, nil, fmt.Errorf("%w: frame table", errShape)
	}
	for len(d.frames) < nf {
		d.frames = append(d.frames, nil)
	}
	body := db.b
	for i := 0; i < nf; i++ {
		f, err := decompressTo(codec, d.frames[i], body[:d.compLen[i]], d.rawLen[i])
		if err != nil {
			return nil, nil, fmt.Errorf("frame %d: %w", i, err)
		}
		d.frames[i] = f
		body = body[d.compLen[i]:]
	}
	ids, err := d.parseShapes(d.frames[0], nf-2, len(lens))
	if err != nil {
		return nil, nil, err
	}
	raw := d.frames[1]
	rawTotal := 0
	for i, id := range ids {
		if id == 0 {
			rawTotal += lens[i]
		}
	}
	if rawTotal != len(raw) {
		return nil, nil, fmt.Errorf("%w: raw lines %d bytes, want %d", errShape, len(raw), rawTotal)
	}
	if err := d.parseCols(nf - 2); err != nil {
		return nil, nil, err
	}

	d.rawOff = 0
	if len(needles) == 0 {
		out, err := d.rebuildAll(raw, ids, lens, ts, size)
		return out, nil, err
	}
	// A needle search rebuilds only the lines its columns say may match (shape_needle.go),
	// unless that is most of them: rebuilding every line into one buffer and filtering is
	// cheaper then (a common word, a number).
	var out []byte
	keep := []int32{}
	cand, shapedMay := d.candidates(needles)
	rawMay := containsAll(raw, needles)
	if !shapedMay && !rawMay {
		return out, keep, nil
	}
	if n := candidateLines(cand, ids, rawMay); 2*n > len(ids) {
		if out, err = d.rebuildAll(raw, ids, lens, ts, size); err != nil {
			return nil, nil, err
		}
		out, keep = filterLines(out, lens, needles)
		return out, keep, nil
	}
	d.rowN = append(d.rowN[:0], make([]int, len(d.ops))...)
	for i, id := range ids {
		if id == 0 {
			line := raw[d.rawOff : d.rawOff+lens[i]]
			d.rawOff += lens[i]
			if rawMay && containsAll(line, needles) {
				out = append(out, line...)
				keep = append(keep, int32(i))
			}
			continue
		}
		if !shapedMay {
			continue
		}
		r := d.rowN[id-1]
		d.rowN[id-1]++
		if !cand[id-1].has(r) {
			d.skipLine(id)
			continue
		}
		d.line = d.appendLine(d.line[:0], raw, id, lens[i], ts[i])
		if len(d.line) != lens[i] {
			return nil, nil, fmt.Errorf("%w: line %d rebuilt to %d bytes, want %d", errShape, i, len(d.line), lens[i])
		}
		if containsAll(d.line, needles) {
			out = append(out, d.line...)
			keep = append(keep, int32(i))
		}
	}
	return out, keep, nil
}

// rebuildAll rebuilds every line into a new buffer of size bytes.
func (d *shapeDecoder) rebuildAll(raw, ids []byte, lens []int, ts []int64, size int) ([]byte, error) {
	out := make([]byte, 0, size)
	for i, id := range ids {
		start := len(out)
		out = d.appendLine(out, raw, id, lens[i], ts[i])
		if len(out)-start != lens[i] || len(out) > size {
			return nil, fmt.Errorf("%w: line %d rebuilt to %d bytes, want %d", errShape, i, len(out)-start, lens[i])
		}
	}
	if len(out) != size {
		return nil, fmt.Errorf("%w: lines rebuilt to %d bytes, want %d", errShape, len(out), size)
	}
	return out, nil
}

// appendLine rebuilds the next line, of shape id (0: raw) and length l, stamped ts.
func (d *shapeDecoder) appendLine(out, raw []byte, id byte, l int, ts int64) []byte {
	if id == 0 {
		out = append(out, raw[d.rawOff:d.rawOff+l]...)
		d.rawOff += l
		return out
	}
	for _, op := range d.ops[id-1] {
		out = append(out, op.lit...)
		switch op.kind {
		case slotValue:
			c := &d.cols[op.col]
			switch c.kind {
			case colText:
				l := int(c.lens[c.n])
				out = append(out, c.data[c.off:c.off+l]...)
				c.off += l
			case colHex:
				l := int(c.lens[c.n])
				out = appendHex(out, c.data[c.off:c.off+l/2])
				c.off += l / 2
			case colDict:
				out = append(out, c.dict[c.data[c.n]]...)
			case colSplit:
				e := c.data[c.n]
				out = append(out, c.dict[e]...)
				if c.dictNum[e] {
					out = appendDecimal(out, c.suf[c.sn])
					c.sn++
				}
			case colLead:
				e := c.data[c.n]
				if c.dictNum[e] {
					out = appendDecimal(out, c.suf[c.sn])
					c.sn++
				}
				out = append(out, c.dict[e]...)
			case colNum:
				out = appendNumValue(out, c, c.n)
			}
			c.n++
		case slotTime:
			out = d.tf.appendTime(out, ts)
		}
	}
	return out
}

const hexDigits = "0123456789abcdef"

// parseShapes reads frame 0 (templates, then one shape id per line) into d.ops and d.counts
// and returns the ids. The templates must have ncols value slots in all.
func (d *shapeDecoder) parseShapes(f []byte, ncols, entries int) ([]byte, error) {
	db := decbuf{b: f}
	ns := db.size(maxShapes)
	d.ops = d.ops[:0]
	col := 0
	for s := 0; s < ns && db.err == nil; s++ {
		t := db.bytes(db.size(len(f)))
		var ops []shapeOp
		lit := 0
		for i, c := range t {
			if c != slotValue && c != slotTime {
				continue
			}
			op := shapeOp{lit: t[lit:i], kind: c}
			if c == slotValue {
				op.col = col
				col++
			}
			ops = append(ops, op)
			lit = i + 1
		}
		ops = append(ops, shapeOp{lit: t[lit:]})
		d.ops = append(d.ops, ops)
	}
	if db.err != nil || col != ncols || len(db.b) != entries {
		return nil, fmt.Errorf("%w: shape table", errShape)
	}
	d.counts = append(d.counts[:0], make([]int, ns)...)
	for _, id := range db.b {
		if int(id) > ns {
			return nil, fmt.Errorf("%w: shape %d of %d", errShape, id, ns)
		}
		if id > 0 {
			d.counts[id-1]++
		}
	}
	return db.b, nil
}

// appendHex appends b in lower-case hex, growing dst once.
func appendHex(dst, b []byte) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, 2*len(b))...)
	o := dst[n:]
	for i, x := range b {
		o[2*i], o[2*i+1] = hexDigits[x>>4], hexDigits[x&15]
	}
	return dst
}

// parseCols validates the value columns (frames 2 on) and sets up their cursors.
func (d *shapeDecoder) parseCols(ncols int) error {
	d.cols = d.cols[:0]
	d.lens = d.lens[:0]
	d.suf = d.suf[:0]
	// Each shape's slots are its columns, in order.
	want := d.counts[len(d.counts):]
	for s, ops := range d.ops {
		for _, op := range ops {
			if op.kind == slotValue {
				want = append(want, d.counts[s])
			}
		}
	}
	starts := make([]int, 0, ncols)
	for i := 0; i < ncols; i++ {
		f := d.frames[2+i]
		starts = append(starts, len(d.lens))
		c, err := d.parseCol(f, want[i])
		if err != nil {
			return fmt.Errorf("%w: column %d: %v", errShape, i, err)
		}
		d.cols = append(d.cols, c)
	}
	// d.lens may have moved while growing: slice it only now.
	for i := range d.cols {
		if k := d.cols[i].kind; k == colText || k == colHex {
			d.cols[i].lens = d.lens[starts[i] : starts[i]+want[i]]
		}
	}
	return nil
}

// parseCol validates one value column frame of n values.
func (d *shapeDecoder) parseCol(f []byte, n int) (colCursor, error) {
	if len(f) == 0 {
		return colCursor{}, errors.New("empty")
	}
	c := colCursor{kind: f[0]}
	db := decbuf{b: f[1:]}
	switch c.kind {
	case colText, colHex:
		sum := 0
		for j := 0; j < n; j++ {
			l := db.size(2 * len(f)) // hex values take half their length
			if c.kind == colHex && l%2 != 0 {
				return c, errors.New("odd hex value")
			}
			sum += l
			d.lens = append(d.lens, int32(l))
		}
		if c.kind == colHex {
			sum /= 2
		}
		if db.err != nil || sum != len(db.b) {
			return c, errors.New("bad lengths")
		}
		c.data = db.b
	case colDict, colSplit, colLead:
		split := c.kind != colDict
		nd := db.size(maxDict)
		lens := make([]int, nd)
		if split {
			c.dictNum = make([]bool, nd)
		}
		sum := 0
		for j := range lens {
			lens[j] = db.size(2*len(f) + 1)
			if split {
				c.dictNum[j] = lens[j]&1 == 1
				lens[j] >>= 1
			}
			sum += lens[j]
		}
		vals := db.bytes(sum)
		c.data = db.bytes(n)
		if db.err != nil || nd == 0 {
			return c, errors.New("bad dictionary")
		}
		for _, l := range lens {
			c.dict = append(c.dict, vals[:l])
			vals = vals[l:]
		}
		m := 0
		for _, x := range c.data {
			if int(x) >= nd {
				return c, errors.New("dictionary index out of range")
			}
			if split && c.dictNum[x] {
				m++
			}
		}
		if split {
			start := len(d.suf)
			rest, err := readPlanes(db.b, m, func(_ int, x uint64) bool {
				d.suf = append(d.suf, x)
				return true
			})
			if err != nil {
				return c, err
			}
			c.suf = d.suf[start:]
			db.b = rest
		}
		if len(db.b) != 0 {
			return c, errors.New("bytes after the dictionary column")
		}
	case colNum:
		k := int(db.size(maxNumComps))
		if db.err != nil || k == 0 {
			return c, errors.New("bad number components")
		}
		c.numK, c.rows = k, n
		off := 0
		for j := 0; j < k; j++ {
			w := int(db.size(4))
			if w == 0 {
				return c, errors.New("bad number width")
			}
			c.width[j], c.planes[j] = w, off
			off += w * n
		}
		if db.err != nil || len(db.b) != off {
			return c, errors.New("bad number planes")
		}
		c.data = db.b
	default:
		return c, fmt.Errorf("kind %d", c.kind)
	}
	return c, nil
}
