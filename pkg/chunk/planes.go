package chunk

import "errors"

// appendPlanes appends vals as a width byte w (the bytes the largest value needs, 1 to 8),
// then w planes of len(vals) bytes: every value's lowest byte, then every next byte. A field's
// high bytes are mostly equal, so apart from its low bytes they compress to almost nothing.
func appendPlanes(dst []byte, vals []uint64) []byte {
	var max uint64
	for _, v := range vals {
		max |= v
	}
	w := 1
	for m := max >> 8; m != 0; m >>= 8 {
		w++
	}
	dst = append(dst, byte(w))
	for p := 0; p < w; p++ {
		sh := 8 * p
		for _, v := range vals {
			dst = append(dst, byte(v>>sh))
		}
	}
	return dst
}

var errPlanes = errors.New("bad byte planes")

// readPlanes decodes n values written by appendPlanes from b, calling fn with each in order
// (false from fn is an error), and returns the bytes after them.
func readPlanes(b []byte, n int, fn func(i int, v uint64) bool) ([]byte, error) {
	if len(b) == 0 || b[0] == 0 || b[0] > 8 {
		return nil, errPlanes
	}
	w := int(b[0])
	b = b[1:]
	if len(b) < w*n {
		return nil, errPlanes
	}
	for i := 0; i < n; i++ {
		var v uint64
		for p := 0; p < w; p++ {
			v |= uint64(b[p*n+i]) << (8 * p)
		}
		if !fn(i, v) {
			return nil, errPlanes
		}
	}
	return b[w*n:], nil
}
