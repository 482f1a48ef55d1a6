package chunk

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// A version 3 block stores its lines split by shape (docs/format/chunk.md, "Shaped lines"):
// each line is cut into a template of literal bytes (JSON keys, punctuation, logfmt keys) and
// the values between them (JSON string and number values, logfmt values, digit runs), and the
// values of each (shape, slot) are stored together as one compressed frame. Values of one
// field look alike (status codes, durations, IPs, trace IDs), so they compress far better side
// by side than interleaved with everything else, and a value that repeats the entry's own
// timestamp (RFC 3339 with nanoseconds) is not stored at all. The split is lossless by
// construction and checked per line: a line that does not rebuild byte for byte, or that
// holds a slot byte, is stored raw.

// Slot bytes in a template. A line holding either byte is stored raw, so a template's literal
// bytes never contain them.
const (
	slotValue = 0x01 // the next value of this slot's column
	slotTime  = 0x02 // the entry's timestamp, time.RFC3339Nano in UTC
)

const (
	linesPlain  = 0 // container kind: one frame of the lines back to back
	linesShaped = 1 // container kind: shapes, raw lines and value columns

	colText  = 0 // value column: lengths then the values' bytes
	colHex   = 1 // value column: lengths then each value (even-length lower-case hex) as bytes
	colDict  = 2 // value column: up to 256 distinct values, then one index byte per value
	colNum   = 3 // value column: dotted canonical decimals (200, 10.1.2.3) as byte planes
	colSplit = 4 // value column: a dictionary of prefixes, then trailing decimals as byte planes
	colLead  = 5 // value column: a dictionary of suffixes, then leading decimals as byte planes

	maxDict = 256
	// numComps bounds the components of a colNum value; each is below 1e9, so 4 bytes hold it.
	maxNumComps = 8

	maxShapes     = 255 // per block; lines of further shapes are stored raw
	maxShapeSlots = 128 // value slots per template; a line with more is stored raw
	// minShapedShare: below this share of shaped lines a block stores its lines plain.
	minShapedShare = 0.5
)

// valueCol collects one (shape, slot) column of a block.
type valueCol struct {
	lens []byte // uvarint length per value
	data []byte
	hex  bool // every value so far is even-length lower-case hex
	// num: every value so far is k dot-separated canonical decimals (no leading zero, at most
	// 9 digits), with the same k; numK is 0 before the first value.
	num  bool
	numK int
	n    int
}

// shapeEncoder splits a block's lines. Reused across blocks and builders through a pool: its
// buffers grow to a block's size once instead of being allocated and zeroed per block.
type shapeEncoder struct {
	ids     map[string]int
	shapes  [][]byte // templates
	slotCol [][]int  // per shape, the column index of each value slot
	cols    []valueCol
	ncols   int
	ids8    []byte // per line: 0 raw, else shape index + 1
	raw     []byte
	shaped  int

	tmpl      []byte
	spans     []int32 // value start, end pairs of the current line
	slots     []int32 // value and timestamp start, end pairs of the current line
	tsBuf     []byte
	tf        timeFormatter
	nums      []uint32
	dict      map[string]int
	dictEnds  []int // end of each dictionary entry in dictArena
	idx       []byte
	suffixes  []uint64
	key       []byte
	dictArena []byte // the dictionary entries back to back

	frame   []byte
	comp    [][]byte // compressed frames, buffers reused
	rawLens []int
	nframes int
}

var shapeEncoders = sync.Pool{New: func() any { return &shapeEncoder{ids: map[string]int{}} }}

func (e *shapeEncoder) reset() {
	clear(e.ids)
	e.shapes, e.slotCol = e.shapes[:0], e.slotCol[:0]
	for i := range e.cols[:e.ncols] {
		c := &e.cols[i]
		c.lens, c.data, c.hex, c.num, c.numK, c.n = c.lens[:0], c.data[:0], true, true, 0, 0
	}
	e.ncols = 0
	e.ids8, e.raw, e.shaped = e.ids8[:0], e.raw[:0], 0
}

// add splits one line stamped ts and adds its 4-grams to grams. A shaped line's grams that
// lie wholly inside a literal run of its template are the same for every line of the shape,
// so they are added once, with the shape; per line only the grams touching a slot are.
func (e *shapeEncoder) add(line []byte, ts int64, grams *gramSet) {
	if !e.tokenize(line, ts) {
		e.addRaw(line, grams)
		return
	}
	id, ok := e.ids[string(e.tmpl)]
	if !ok {
		if len(e.shapes) >= maxShapes {
			e.addRaw(line, grams)
			return
		}
		id = len(e.shapes)
		e.ids[string(e.tmpl)] = id
		e.shapes = append(e.shapes, append([]byte(nil), e.tmpl...))
		slots := make([]int, len(e.spans)/2)
		for i := range slots {
			slots[i] = e.newCol()
		}
		e.slotCol = append(e.slotCol, slots)
		lit := 0
		for i := 0; i < len(e.slots); i += 2 {
			grams.addWindows(line, lit, int(e.slots[i])-gramLen)
			lit = int(e.slots[i+1])
		}
		grams.addWindows(line, lit, len(line)-gramLen)
	}
	next := 0
	for i := 0; i < len(e.slots); i += 2 {
		// The windows that start in [start-3, end-1] touch the slot (or, for an empty value,
		// span the literal bytes on both sides of it).
		lo, hi := max(int(e.slots[i])-(gramLen-1), next), min(int(e.slots[i+1])-1, len(line)-gramLen)
		grams.addWindows(line, lo, hi)
		next = max(next, hi+1)
	}
	for i, col := range e.slotCol[id] {
		v := line[e.spans[2*i]:e.spans[2*i+1]]
		c := &e.cols[col]
		c.lens = binary.AppendUvarint(c.lens, uint64(len(v)))
		c.data = append(c.data, v...)
		c.n++
		if c.hex && !isLowerHex(v) {
			c.hex = false
		}
		if c.num {
			k := numComps(v)
			if c.numK == 0 {
				c.numK = k
			}
			c.num = k > 0 && k == c.numK
		}
	}
	e.ids8 = append(e.ids8, byte(id+1))
	e.shaped++
}

func (e *shapeEncoder) newCol() int {
	if e.ncols == len(e.cols) {
		e.cols = append(e.cols, valueCol{})
	}
	c := &e.cols[e.ncols]
	c.lens, c.data, c.hex, c.num, c.numK, c.n = c.lens[:0], c.data[:0], true, true, 0, 0
	e.ncols++
	return e.ncols - 1
}

func (e *shapeEncoder) addRaw(line []byte, grams *gramSet) {
	e.ids8 = append(e.ids8, 0)
	e.raw = append(e.raw, line...)
	grams.addWindows(line, 0, len(line)-gramLen)
}

// tokenClass marks the bytes the tokenizer stops at: the rest are copied to the template in
// runs.
var tokenClass = func() (t [256]bool) {
	for _, c := range []byte{'"', '=', slotValue, slotTime, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'} {
		t[c] = true
	}
	return t
}()

// tokenize cuts line into e.tmpl, e.spans (values) and e.slots (values and timestamps) and
// checks that they rebuild it; false means the line is stored raw.
func (e *shapeEncoder) tokenize(line []byte, ts int64) bool {
	e.tmpl, e.spans, e.slots = e.tmpl[:0], e.spans[:0], e.slots[:0]
	tsText := []byte(nil)
	value := func(start, end int) {
		e.slots = append(e.slots, int32(start), int32(end))
		v := line[start:end]
		if len(v) >= 20 && len(v) <= 35 && v[0] >= '0' && v[0] <= '9' {
			if tsText == nil {
				e.tsBuf = e.tf.appendTime(e.tsBuf[:0], ts)
				tsText = e.tsBuf
			}
			if bytes.Equal(v, tsText) {
				e.tmpl = append(e.tmpl, slotTime)
				return
			}
		}
		e.tmpl = append(e.tmpl, slotValue)
		e.spans = append(e.spans, int32(start), int32(end))
	}
	n := len(line)
	for i := 0; i < n; {
		c := line[i]
		switch {
		case !tokenClass[c]:
			j := i + 1
			for j < n && !tokenClass[line[j]] {
				j++
			}
			e.tmpl = append(e.tmpl, line[i:j]...)
			i = j
		case c == slotValue || c == slotTime:
			return false
		case c == '"':
			j := closingQuote(line, i+1)
			if j < 0 { // unterminated: the rest is literal
				if bytes.IndexByte(line[i:], slotValue) >= 0 || bytes.IndexByte(line[i:], slotTime) >= 0 {
					return false
				}
				e.tmpl = append(e.tmpl, line[i:]...)
				i = n
				continue
			}
			k := j + 1
			for k < n && line[k] == ' ' {
				k++
			}
			if k < n && line[k] == ':' { // an object key
				if bytes.IndexByte(line[i:j], slotValue) >= 0 || bytes.IndexByte(line[i:j], slotTime) >= 0 {
					return false
				}
				e.tmpl = append(e.tmpl, line[i:j+1]...)
			} else {
				e.tmpl = append(e.tmpl, '"')
				value(i+1, j)
				e.tmpl = append(e.tmpl, '"')
			}
			i = j + 1
		case c == '=' && i > 0 && isKeyByte(line[i-1]) && i+1 < n && line[i+1] != '"' && line[i+1] != ' ':
			j := i + 1
			for j < n && line[j] != ' ' {
				j++
			}
			e.tmpl = append(e.tmpl, '=')
			value(i+1, j)
			i = j
		case c >= '0' && c <= '9' && (i == 0 || !isKeyByte(line[i-1])):
			j := i + 1
			for j < n && isNumByte(line[j]) {
				j++
			}
			value(i, j)
			i = j
		default:
			e.tmpl = append(e.tmpl, c)
			i++
		}
	}
	if len(e.spans)/2 > maxShapeSlots {
		return false
	}
	return e.rebuilds(line, tsText)
}

// closingQuote returns the index of the quote that ends the string starting at i (after its
// opening quote), skipping backslash escapes; -1 when there is none.
func closingQuote(line []byte, i int) int {
	for {
		q := bytes.IndexByte(line[i:], '"')
		if q < 0 {
			return -1
		}
		if bytes.IndexByte(line[i:i+q], '\\') < 0 {
			return i + q
		}
		// An escape before the quote: walk byte by byte from here.
		for j := i; j < len(line); j++ {
			switch line[j] {
			case '\\':
				j++
			case '"':
				return j
			}
		}
		return -1
	}
}

// rebuilds checks that the template and spans give back line byte for byte: the split is
// lossless by construction, this proves it per line without copying it.
func (e *shapeEncoder) rebuilds(line, tsText []byte) bool {
	pos, vi := 0, 0
	t := e.tmpl
	for k := 0; k < len(t); {
		switch t[k] {
		case slotValue:
			if int(e.spans[vi]) != pos {
				return false
			}
			pos = int(e.spans[vi+1])
			vi += 2
			k++
		case slotTime:
			if !bytes.HasPrefix(line[pos:], tsText) {
				return false
			}
			pos += len(tsText)
			k++
		default:
			r := k + 1
			for r < len(t) && t[r] != slotValue && t[r] != slotTime {
				r++
			}
			if len(line)-pos < r-k || !bytes.Equal(t[k:r], line[pos:pos+r-k]) {
				return false
			}
			pos += r - k
			k = r
		}
	}
	return pos == len(line) && vi == len(e.spans)
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

func isNumByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == ':' || c == '-' || c == '_'
}

// numComps returns the number of dot-separated canonical decimals v consists of, 0 when it is
// not such a value.
func numComps(v []byte) int {
	k, digits := 1, 0
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
			if digits == 1 && v[i-1] == '0' || digits == 9 {
				return 0
			}
			digits++
		case c == '.' && digits > 0 && k < maxNumComps:
			k, digits = k+1, 0
		default:
			return 0
		}
	}
	if digits == 0 {
		return 0
	}
	return k
}

func isLowerHex(v []byte) bool {
	if len(v)%2 != 0 {
		return false
	}
	for _, c := range v {
		if hexVal[c] < 0 {
			return false
		}
	}
	return true
}

// hexVal maps a lower-case hex digit to its value, anything else to -1.
var hexVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i, c := range "0123456789abcdef" {
		t[c] = int8(i)
	}
	return t
}()

// appendTime appends ts as time.RFC3339Nano in UTC (the fraction without trailing zeros).
// A stream's neighbouring entries mostly share their minute, so tf keeps the last minute's
// "2006-01-02T15:04:" and only seconds and fraction are formatted per call.
func (tf *timeFormatter) appendTime(b []byte, ts int64) []byte {
	sec, nsec := ts/1e9, ts%1e9
	if nsec < 0 {
		sec, nsec = sec-1, nsec+1e9
	}
	min, s := sec/60, sec%60
	if s < 0 {
		min, s = min-1, s+60
	}
	if !tf.ok || min != tf.min {
		tf.prefix = time.Unix(min*60, 0).UTC().AppendFormat(tf.prefix[:0], "2006-01-02T15:04:")
		tf.min, tf.ok = min, true
		if len(tf.prefix) != 17 { // years outside 0-9999: let time handle it all
			tf.ok = false
			return time.Unix(0, ts).UTC().AppendFormat(b, time.RFC3339Nano)
		}
	}
	b = append(b, tf.prefix...)
	b = append(b, digitPairs[2*s], digitPairs[2*s+1])
	switch {
	case nsec == 0:
	case nsec%1e6 == 0: // milliseconds, the common precision
		ms := nsec / 1e6
		b = append(b, '.', byte('0'+ms/100), digitPairs[2*(ms%100)], digitPairs[2*(ms%100)+1])
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	default:
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + nsec%10)
			nsec /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z')
}

type timeFormatter struct {
	min    int64
	ok     bool
	prefix []byte
}

// encode returns the lines column of a version 3 block: the container, compressed with codec.
// lines holds the block's lines back to back.
func (e *shapeEncoder) encode(codec Codec, lines []byte) ([]byte, error) {
	if len(lines) == 0 {
		return nil, nil
	}
	if float64(e.shaped) < minShapedShare*float64(len(e.ids8)) {
		out, err := compress(codec, []byte{linesPlain}, lines)
		if err != nil {
			return nil, fmt.Errorf("compress lines: %w", err)
		}
		return out, nil
	}
	// Frame 0: templates and per-line shape ids; frame 1: raw lines; then one per column.
	e.nframes, e.rawLens = 0, e.rawLens[:0]
	e.frame = binary.AppendUvarint(e.frame[:0], uint64(len(e.shapes)))
	for _, t := range e.shapes {
		e.frame = binary.AppendUvarint(e.frame, uint64(len(t)))
		e.frame = append(e.frame, t...)
	}
	e.frame = append(e.frame, e.ids8...)
	if err := e.addFrame(codec, e.frame); err != nil {
		return nil, err
	}
	if err := e.addFrame(codec, e.raw); err != nil {
		return nil, err
	}
	for i := range e.cols[:e.ncols] {
		e.frame = e.appendCol(e.frame[:0], &e.cols[i])
		if err := e.addFrame(codec, e.frame); err != nil {
			return nil, err
		}
	}
	size := 1 + binary.MaxVarintLen64
	for _, f := range e.comp[:e.nframes] {
		size += 2*binary.MaxVarintLen64 + len(f)
	}
	out := make([]byte, 0, size)
	out = append(out, linesShaped)
	out = binary.AppendUvarint(out, uint64(e.nframes))
	for i, f := range e.comp[:e.nframes] {
		out = binary.AppendUvarint(out, uint64(len(f)))
		out = binary.AppendUvarint(out, uint64(e.rawLens[i]))
	}
	for _, f := range e.comp[:e.nframes] {
		out = append(out, f...)
	}
	return out, nil
}

// addFrame compresses raw into the next reused frame buffer.
func (e *shapeEncoder) addFrame(codec Codec, raw []byte) error {
	if e.nframes == len(e.comp) {
		e.comp = append(e.comp, nil)
	}
	out, err := compress(codec, e.comp[e.nframes][:0], raw)
	if err != nil {
		return fmt.Errorf("compress lines frame: %w", err)
	}
	e.comp[e.nframes] = out
	e.rawLens = append(e.rawLens, len(raw))
	e.nframes++
	return nil
}
