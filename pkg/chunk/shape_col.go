package chunk

import (
	"encoding/binary"
	"strconv"
)

// Value column encodings. A column is stored in the form that suits it, chosen per block: a
// column of few distinct values (levels, methods, status codes, messages) as a dictionary and
// one byte per value; a canonical-number column (byte counts, IPv4 addresses) as fixed-width
// byte planes; a column of few distinct values once a leading decimal (durations: 12ms) or a
// trailing one (URL paths with an ID) is taken off as such a dictionary plus the decimals as
// byte planes; a hex column (trace IDs) as the bytes it spells; else as text. Each form gives
// the compressor what it handles best: repeated short symbols instead of short strings it
// cannot match.

// Dictionary modes: whole values, or values split around a trailing or a leading decimal.
const (
	dictWhole = iota
	dictTrail
	dictLead
)

// dictSample is how many values of a column choose its dictionary mode: the modes are
// compared on them, and only the chosen one is built over the whole column.
const dictSample = 256

// appendCol appends the frame of column c.
func (e *shapeEncoder) appendCol(dst []byte, c *valueCol) []byte {
	// Long hex values (trace IDs) never repeat enough for a dictionary.
	if c.n >= 4 && !(c.hex && len(c.data) >= 8*c.n) {
		k := min(c.n, dictSample)
		best, bestN := dictWhole, e.buildDict(c, dictWhole, k, false)
		if !c.num {
			for _, mode := range []int{dictLead, dictTrail} {
				if nd := e.buildDict(c, mode, k, false); nd < bestN {
					best, bestN = mode, nd
				}
			}
		}
		// A number column takes a dictionary only when its values repeat a lot (status codes).
		if (!c.num || bestN <= 64) && e.buildDict(c, best, c.n, true) > 0 {
			return e.appendDict(dst, c, best)
		}
	}
	if c.num && c.n > 0 {
		return e.appendNum(dst, c)
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

// appendDict writes the dictionary that buildDict(c, mode) just built: kind, the number of
// entries, per entry its length (split modes: length << 1 | 1 when its values carry a
// decimal), the entries' bytes, one index byte per value, and (split modes) the decimals of
// the values whose entry carries one, as byte planes.
func (e *shapeEncoder) appendDict(dst []byte, c *valueCol, mode int) []byte {
	dst = append(dst, [...]byte{colDict, colSplit, colLead}[mode])
	dst = binary.AppendUvarint(dst, uint64(len(e.dictEnds)))
	start := 0
	for _, end := range e.dictEnds {
		v := e.dictArena[start:end]
		start = end
		if mode == dictWhole {
			dst = binary.AppendUvarint(dst, uint64(len(v)))
		} else { // the key's last byte is the flag
			dst = binary.AppendUvarint(dst, uint64(len(v)-1)<<1|uint64(v[len(v)-1]))
		}
	}
	start = 0
	for _, end := range e.dictEnds {
		v := e.dictArena[start:end]
		start = end
		if mode != dictWhole {
			v = v[:len(v)-1]
		}
		dst = append(dst, v...)
	}
	dst = append(dst, e.idx...)
	if mode != dictWhole {
		dst = appendPlanes(dst, e.suffixes)
	}
	return dst
}

// buildDict indexes the first k of c's values into e.dictArena, e.dictEnds and e.idx and
// returns the number of entries; 0 when there are more than maxDict or (strict) more than a
// quarter of the values, maxDict+1 for a sample (not strict) with more than maxDict. In the
// split modes the entries are the values without their trailing or leading decimal, plus a
// flag byte saying whether there was one, and the decimals go to e.suffixes.
func (e *shapeEncoder) buildDict(c *valueCol, mode, k int, strict bool) int {
	if e.dict == nil {
		e.dict = map[string]int{}
	}
	clear(e.dict)
	e.dictEnds, e.dictArena, e.idx, e.suffixes = e.dictEnds[:0], e.dictArena[:0], e.idx[:0], e.suffixes[:0]
	data, lens := c.data, c.lens
	for i := 0; i < k; i++ {
		l, w := binary.Uvarint(lens)
		lens = lens[w:]
		v := data[:l]
		data = data[l:]
		if mode != dictWhole {
			var part []byte
			var x uint64
			var ok bool
			if mode == dictTrail {
				part, x, ok = trailDecimal(v)
			} else {
				part, x, ok = leadDecimal(v)
			}
			flag := byte(0)
			if ok {
				flag = 1
				e.suffixes = append(e.suffixes, x)
			}
			e.key = append(append(e.key[:0], part...), flag)
			v = e.key
		}
		id, ok := e.dict[string(v)]
		if !ok {
			switch {
			case len(e.dictEnds) == maxDict && !strict:
				return maxDict + 1
			case len(e.dictEnds) == maxDict || strict && 4*len(e.dictEnds) > c.n:
				return 0
			}
			id = len(e.dictEnds)
			e.dict[string(v)] = id
			e.dictEnds = append(e.dictEnds, len(e.dictArena)+len(v))
			e.dictArena = append(e.dictArena, v...)
		}
		e.idx = append(e.idx, byte(id))
	}
	return len(e.dictEnds)
}

// trailDecimal splits v into its part before a trailing canonical decimal (at most 9 digits,
// no leading zero, not preceded by another digit) and that decimal; ok false when there is
// none (part is then v).
func trailDecimal(v []byte) (part []byte, x uint64, ok bool) {
	i := len(v)
	for i > 0 && len(v)-i < 9 && v[i-1] >= '0' && v[i-1] <= '9' {
		i--
	}
	if i == len(v) || i > 0 && v[i-1] >= '0' && v[i-1] <= '9' || v[i] == '0' && len(v)-i > 1 {
		return v, 0, false
	}
	for _, c := range v[i:] {
		x = x*10 + uint64(c-'0')
	}
	return v[:i], x, true
}

// leadDecimal is trailDecimal for a leading decimal: it returns the part after it.
func leadDecimal(v []byte) (part []byte, x uint64, ok bool) {
	i := 0
	for i < len(v) && i < 9 && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 || i < len(v) && v[i] >= '0' && v[i] <= '9' || v[0] == '0' && i > 1 {
		return v, 0, false
	}
	for _, c := range v[:i] {
		x = x*10 + uint64(c-'0')
	}
	return v[i:], x, true
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
