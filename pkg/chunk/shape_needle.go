package chunk

import (
	"bytes"
	"encoding/hex"
	"math/bits"
	"strings"
)

// A needle search over a shaped block finds its candidate lines in the value columns instead of
// rebuilding every line (rebuilding is most of a block's decode cost, and a block the token
// filter let through usually holds no match at all). For each shape it first checks whether the
// needle can overlap one of the template's literal runs, or two slots with no literal between
// them: then any line of the shape may hold it. Otherwise an occurrence lies inside one slot's
// rendered value, and each column can tell which of its values may render to text containing
// it: text by a search of its bytes, hex by a search of the needle's bytes, dictionaries by
// their entries, numbers and timestamps by their alphabet. Only the candidate lines are rebuilt,
// and each is still checked whole (containsAll), so a candidate can only cost time, never change
// which lines are kept.

// rowSet is a bitset over the rows (lines) of one shape.
type rowSet []uint64

func (r rowSet) set(i int)      { r[i>>6] |= 1 << (i & 63) }
func (r rowSet) has(i int) bool { return r[i>>6]&(1<<(i&63)) != 0 }

func (r rowSet) fill(n int) {
	for i := range r {
		r[i] = ^uint64(0)
	}
	if n&63 != 0 {
		r[len(r)-1] = 1<<(n&63) - 1
	}
}

func (r rowSet) and(o rowSet) {
	for i := range r {
		r[i] &= o[i]
	}
}

func (r rowSet) empty() bool {
	for _, w := range r {
		if w != 0 {
			return false
		}
	}
	return true
}

func (r rowSet) count() int {
	n := 0
	for _, w := range r {
		n += bits.OnesCount64(w)
	}
	return n
}

// candidates returns, per shape, the rows that may hold every needle, and whether any row of
// any shape may. The value cursors must be fresh (parseCols): their data is read, not consumed.
func (d *shapeDecoder) candidates(needles []string) ([]rowSet, bool) {
	d.cand = d.cand[:0]
	var scratch rowSet
	any := false
	col := 0
	for s, ops := range d.ops {
		n := d.counts[s]
		words := (n + 63) / 64
		cand := make(rowSet, words)
		cand.fill(n)
		if words > 0 {
			if cap(scratch) < words {
				scratch = make(rowSet, words)
			}
			scratch = scratch[:words]
			for _, needle := range needles {
				clear(scratch)
				d.shapeRows(ops, col, n, needle, scratch)
				cand.and(scratch)
			}
		}
		for _, op := range ops {
			if op.kind == slotValue {
				col++
			}
		}
		if n > 0 && !cand.empty() {
			any = true
		}
		d.cand = append(d.cand, cand)
	}
	return d.cand, any
}

// candidateLines counts the lines a needle search would rebuild: the candidate rows of every
// shape, and the raw lines (ids 0) when they may hold the needles.
func candidateLines(cand []rowSet, ids []byte, rawMay bool) int {
	n := 0
	for _, c := range cand {
		n += c.count()
	}
	if rawMay {
		for _, id := range ids {
			if id == 0 {
				n++
			}
		}
	}
	return n
}

// shapeRows marks in rows the lines of a shape (ops, whose first value column is col, n lines)
// that may contain needle.
func (d *shapeDecoder) shapeRows(ops []shapeOp, col, n int, needle string, rows rowSet) {
	if len(needle) == 0 || !withinSlots(ops, needle) {
		rows.fill(n)
		return
	}
	for _, op := range ops {
		switch op.kind {
		case slotTime:
			if onlyBytes(needle, timeAlphabet) {
				rows.fill(n)
				return
			}
		case slotValue:
			if d.cols[col].mayHold(needle, rows) {
				rows.fill(n)
				return
			}
			col++
		}
	}
}

// withinSlots reports whether every occurrence of needle in a line of the template ops lies
// inside one slot's value: no literal run can overlap it, and no two slots touch.
func withinSlots(ops []shapeOp, needle string) bool {
	for i, op := range ops {
		if op.kind != 0 && i > 0 && len(op.lit) == 0 && len(needle) > 1 {
			return false // the previous slot's value runs straight into this one's
		}
		if overlaps(op.lit, needle) {
			return false
		}
	}
	return true
}

// overlaps reports whether needle, placed anywhere, can share at least one byte position with
// lit while agreeing with it there (lit inside needle, needle inside lit, or their ends meet).
func overlaps(lit []byte, needle string) bool {
	for d := 1 - len(needle); d < len(lit); d++ { // needle starts at lit[d]
		lo, hi := max(0, d), min(len(lit), d+len(needle))
		if lo < hi && string(lit[lo:hi]) == needle[lo-d:hi-d] {
			return true
		}
	}
	return false
}

const (
	timeAlphabet = "0123456789-+:.TZ" // time.RFC3339Nano in UTC, any year
	numAlphabet  = "0123456789."
	digits       = "0123456789"
	hexAlphabet  = "0123456789abcdef"
)

func onlyBytes(s, alphabet string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// mayHold marks in rows the values of c that may render to text containing needle, or
// reports true when any value may (the caller then takes every row).
func (c *colCursor) mayHold(needle string, rows rowSet) bool {
	switch c.kind {
	case colText:
		markHits(c.data, []byte(needle), c.lens, 1, rows)
	case colHex:
		if !onlyBytes(needle, hexAlphabet) {
			return false
		}
		// An occurrence at an even offset of a value's hex holds needle[0:2k] as bytes, one at
		// an odd offset needle[1:1+2k].
		for a := 0; a < 2; a++ {
			k := (len(needle) - a) / 2
			if k == 0 {
				return true
			}
			b, err := hex.DecodeString(needle[a : a+2*k])
			if err != nil {
				return true
			}
			markHits(c.data, b, c.lens, 2, rows)
		}
	case colDict:
		var may [maxDict]bool
		found := false
		for e, v := range c.dict {
			if bytes.Contains(v, []byte(needle)) {
				may[e], found = true, true
			}
		}
		if found {
			markEntries(c.data, &may, rows)
		}
	case colSplit, colLead:
		var may [maxDict]bool
		found := false
		for e, v := range c.dict {
			if bytes.Contains(v, []byte(needle)) || c.dictNum[e] && numberJoin(v, needle, c.kind == colLead) {
				may[e], found = true, true
			}
		}
		if found {
			markEntries(c.data, &may, rows)
		}
	case colNum:
		return onlyBytes(needle, numAlphabet)
	default:
		return true
	}
	return false
}

// numberJoin reports whether needle can occur in the text of a decimal written after v
// (colSplit) or before it (lead, colLead) without lying wholly inside v.
func numberJoin(v []byte, needle string, lead bool) bool {
	if onlyBytes(needle, digits) {
		return true
	}
	for i := 1; i < len(needle); i++ {
		head, tail := needle[:i], needle[i:]
		if !lead && bytes.HasSuffix(v, []byte(head)) && onlyBytes(tail, digits) {
			return true
		}
		if lead && onlyBytes(head, digits) && bytes.HasPrefix(v, []byte(tail)) {
			return true
		}
	}
	return false
}

// markHits marks the values of data (back to back, value i of lens[i]/div bytes) in which a
// match of pat starts.
func markHits(data, pat []byte, lens []int32, div int, rows rowSet) {
	v, end := 0, 0 // value v spans data[end-len(v):end]
	if len(lens) > 0 {
		end = int(lens[0]) / div
	}
	for off := 0; ; {
		i := bytes.Index(data[off:], pat)
		if i < 0 {
			return
		}
		at := off + i
		for at >= end && v+1 < len(lens) {
			v++
			end += int(lens[v]) / div
		}
		rows.set(v)
		off = at + 1
	}
}

// markEntries marks the values whose dictionary index is a may entry.
func markEntries(idx []byte, may *[maxDict]bool, rows rowSet) {
	for i, e := range idx {
		if may[e] {
			rows.set(i)
		}
	}
}

// skipLine moves the value cursors past the next line of shape id (not raw) without
// rebuilding it.
func (d *shapeDecoder) skipLine(id byte) {
	for _, op := range d.ops[id-1] {
		if op.kind != slotValue {
			continue
		}
		c := &d.cols[op.col]
		switch c.kind {
		case colText:
			c.off += int(c.lens[c.n])
		case colHex:
			c.off += int(c.lens[c.n]) / 2
		case colSplit, colLead:
			if c.dictNum[c.data[c.n]] {
				c.sn++
			}
		}
		c.n++
	}
}
