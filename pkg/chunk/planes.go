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

// splitPlanes returns the width and the planes of n values written by appendPlanes at the
// start of b, and the bytes after them.
func splitPlanes(b []byte, n int) (w int, planes, rest []byte, err error) {
	if len(b) == 0 || b[0] == 0 || b[0] > 8 {
		return 0, nil, nil, errPlanes
	}
	w = int(b[0])
	b = b[1:]
	if len(b) < w*n {
		return 0, nil, nil, errPlanes
	}
	return w, b[:w*n], b[w*n:], nil
}

// planeValue returns value i of the n values of width w in planes.
func planeValue(planes []byte, n, w, i int) uint64 {
	switch w {
	case 1:
		return uint64(planes[i])
	case 2:
		return uint64(planes[i]) | uint64(planes[n+i])<<8
	}
	var v uint64
	for p := 0; p < w; p++ {
		v |= uint64(planes[p*n+i]) << (8 * p)
	}
	return v
}
