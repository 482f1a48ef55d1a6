package index

import "math/bits"

// Series sets are sorted []uint32 of series IDs (IDs are positions in the label-sorted series
// table, so sorted IDs mean results come out sorted by labels).

// bitmap is a dense set over [0, n) used to union many postings lists in linear time.
type bitmap []uint64

func newBitmap(n int) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) set(ids []uint32) {
	for _, id := range ids {
		b[id>>6] |= 1 << (id & 63)
	}
}

func (b bitmap) has(id uint32) bool { return b[id>>6]&(1<<(id&63)) != 0 }

func (b bitmap) appendTo(dst []uint32) []uint32 {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			dst = append(dst, uint32(i*64+t))
			w &= w - 1
		}
	}
	return dst
}

// intersect returns the IDs in both a and b, reusing a's storage.
func intersect(a, b []uint32) []uint32 {
	out := a[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// unionLists decodes and unions the postings lists, sorted.
func (r *Reader) unionLists(lists []postingsList) ([]uint32, error) {
	switch len(lists) {
	case 0:
		return nil, nil
	case 1:
		return r.list(lists[0], make([]uint32, 0, lists[0].n))
	}
	bm := newBitmap(len(r.series))
	var buf []uint32
	for _, p := range lists {
		var err error
		if buf, err = r.list(p, buf[:0]); err != nil {
			return nil, err
		}
		bm.set(buf)
	}
	return bm.appendTo(nil), nil
}
