package chunk

import (
	"encoding/binary"
	"strconv"
)

// Value column encodings. A column is stored in the first of these that applies, chosen per
// block: a column of few distinct values (levels, methods, status codes, messages) as a
// dictionary and one byte per value, a canonical-number column (byte counts, IPv4 addresses)
// as fixed-width byte planes, a column of few distinct values up to a trailing decimal (URL
// paths with an ID) as a dictionary and the decimals as byte planes, a hex column (trace IDs) as the bytes it spells, else as text. Each form
// gives the compressor what it handles best: repeated short symbols instead of short strings
// it cannot match.

// appendCol appends the frame of column c.
func (e *shapeEncoder) appendCol(dst []byte, c *valueCol) []byte {
	if c.n >= 4 {
		if out, ok := e.appendDict(dst, c); ok {
			return out
		}
	}
	if c.num && c.n > 0 {
		return e.appendNum(dst, c)
	}
	if c.n >= 4 && !c.hex {
		if out, ok := e.appendSplit(dst, c); ok {
			return out
		}
	}
	if c.hex && len(c.data) > 0 {
		dst = append(dst, colHex)
		dst = append(dst, c.lens...)
		for j := 0; j < len(c.data); j += 2 {
			dst = append(dst, byte(hexVal[c.data[j]])<<4|byte(hexVal[c.data[j+1]]))
		}
		return dst
	}
	dst = append(dst, colText)
	dst = append(dst, c.lens...)
	return append(dst, c.data...)
}

// appendNum writes kind, k, one width byte per component, then per component its values'
// little-endian bytes as planes (all low bytes, then all next bytes): the planes of a field
// compress far better apart than interleaved.
func (e *shapeEncoder) appendNum(dst []byte, c *valueCol) []byte {
	k := c.numK
	vals := e.nums[:0]
	var max [maxNumComps]uint32
	data := c.data
	lens := c.lens
	for i := 0; i < c.n; i++ {
		l, w := binary.Uvarint(lens)
		lens = lens[w:]
		v := data[:l]
		data = data[l:]
		var x uint32
		j := 0
		for _, ch := range v {
			if ch == '.' {
				vals = append(vals, x)
				max[j] = maxU32(max[j], x)
				x, j = 0, j+1
				continue
			}
			x = x*10 + uint32(ch-'0')
		}
		vals = append(vals, x)
		max[j] = maxU32(max[j], x)
	}
	e.nums = vals
	dst = append(dst, colNum, byte(k))
	var width [maxNumComps]int
	for j := 0; j < k; j++ {
		width[j] = 1
		for m := max[j] >> 8; m != 0; m >>= 8 {
			width[j]++
		}
		dst = append(dst, byte(width[j]))
	}
	for j := 0; j < k; j++ {
		for p := 0; p < width[j]; p++ {
			for i := j; i < len(vals); i += k {
				dst = append(dst, byte(vals[i]>>(8*p)))
			}
		}
	}
	return dst
}

func maxU32(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}

// appendDict writes kind, the distinct values (count, lengths, bytes) and one index byte per
// value; false when the column has more than maxDict distinct values or too few repeats.
func (e *shapeEncoder) appendDict(dst []byte, c *valueCol) ([]byte, bool) {
	if !e.buildDict(c, false) {
		return dst, false
	}
	dst = e.appendDictTable(append(dst, colDict))
	return append(dst, e.idx...), true
}

// appendSplit is appendDict over the values without their trailing decimal (a path's ID),
// followed by those decimals plus one (0: none) as byte planes.
func (e *shapeEncoder) appendSplit(dst []byte, c *valueCol) ([]byte, bool) {
	if !e.buildDict(c, true) {
		return dst, false
	}
	dst = e.appendDictTable(append(dst, colSplit))
	dst = append(dst, e.idx...)
	return appendPlanes(dst, e.suffixes), true
}

func (e *shapeEncoder) appendDictTable(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(e.dictVals)))
	for _, v := range e.dictVals {
		dst = binary.AppendUvarint(dst, uint64(len(v)))
	}
	for _, v := range e.dictVals {
		dst = append(dst, v...)
	}
	return dst
}

// buildDict indexes c's values (split: their prefixes before a trailing decimal, the decimals
// going to e.suffixes) into e.dictVals and e.idx.
func (e *shapeEncoder) buildDict(c *valueCol, split bool) bool {
	if e.dict == nil {
		e.dict = map[string]int{}
	}
	clear(e.dict)
	e.dictVals, e.idx, e.suffixes = e.dictVals[:0], e.idx[:0], e.suffixes[:0]
	data, lens := c.data, c.lens
	for i := 0; i < c.n; i++ {
		l, w := binary.Uvarint(lens)
		lens = lens[w:]
		v := data[:l]
		data = data[l:]
		if split {
			p, x := splitDecimal(v)
			v = v[:p]
			e.suffixes = append(e.suffixes, x)
		}
		id, ok := e.dict[string(v)]
		if !ok {
			if len(e.dictVals) == maxDict || 4*len(e.dictVals) > c.n {
				return false
			}
			id = len(e.dictVals)
			e.dict[string(v)] = id
			e.dictVals = append(e.dictVals, v)
		}
		e.idx = append(e.idx, byte(id))
	}
	return true
}

// splitDecimal returns the length of v without its trailing canonical decimal (at most 9
// digits, no leading zero) and that decimal plus one; len(v) and 0 when there is none.
func splitDecimal(v []byte) (int, uint64) {
	i := len(v)
	for i > 0 && len(v)-i < 9 && v[i-1] >= '0' && v[i-1] <= '9' {
		i--
	}
	if i == len(v) || i > 0 && v[i-1] >= '0' && v[i-1] <= '9' || v[i] == '0' && len(v)-i > 1 {
		return len(v), 0
	}
	var x uint64
	for _, c := range v[i:] {
		x = x*10 + uint64(c-'0')
	}
	return i, x + 1
}

// appendNumValue renders value i of a colNum column.
func appendNumValue(dst []byte, c *colCursor, i int) []byte {
	for j := 0; j < c.numK; j++ {
		if j > 0 {
			dst = append(dst, '.')
		}
		var x uint64
		off := c.planes[j] + i
		for p := 0; p < c.width[j]; p++ {
			x |= uint64(c.data[off+p*c.rows]) << (8 * p)
		}
		dst = appendDecimal(dst, x)
	}
	return dst
}

// appendDecimal is strconv.AppendUint in base 10, unrolled for the numbers below 10⁶ that
// most number columns hold (IPv4 octets, status codes, byte counts), which it writes with one
// append.
func appendDecimal(dst []byte, x uint64) []byte {
	const d = digitPairs
	switch {
	case x < 10:
		return append(dst, byte('0'+x))
	case x < 100:
		return append(dst, d[2*x], d[2*x+1])
	case x < 1000:
		r := x % 100
		return append(dst, byte('0'+x/100), d[2*r], d[2*r+1])
	case x < 10000:
		q, r := x/100, x%100
		return append(dst, d[2*q], d[2*q+1], d[2*r], d[2*r+1])
	case x < 100000:
		q, r := x/100%100, x%100
		return append(dst, byte('0'+x/10000), d[2*q], d[2*q+1], d[2*r], d[2*r+1])
	case x < 1000000:
		p, q, r := x/10000, x/100%100, x%100
		return append(dst, d[2*p], d[2*p+1], d[2*q], d[2*q+1], d[2*r], d[2*r+1])
	}
	return strconv.AppendUint(dst, x, 10)
}

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859606162636465666768697071727374757677787980818283" +
	"84858687888990919293949596979899"
