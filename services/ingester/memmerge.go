package ingester

// source yields one piece's items in a merge's direction: next returns the item, its
// timestamp and false at the end; err reports why it ended early.
type source[T any] struct {
	next func() (T, int64, bool)
	err  func() error
}

// mergeSources calls f with the items of srcs in timestamp order (backward: the exact reverse)
// until f returns false. Ties go to the earlier source forward and to the later one backward,
// so the order is that of a stable sort of the sources' concatenation: the sources are pieces
// in arrival order, each in timestamp order with ties in arrival order. A stream has a few
// pieces at most, so a linear scan for the next item beats a heap.
func mergeSources[T any](srcs []source[T], backward bool, f func(*T) bool) error {
	type cur struct {
		v  T
		ts int64
		ok bool
	}
	cs := make([]cur, len(srcs))
	for k := range srcs {
		v, ts, ok := srcs[k].next()
		cs[k] = cur{v, ts, ok}
	}
	for {
		best := -1
		for k := range cs {
			if !cs[k].ok {
				continue
			}
			if best < 0 || (!backward && cs[k].ts < cs[best].ts) || (backward && cs[k].ts >= cs[best].ts) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		if !f(&cs[best].v) {
			return nil
		}
		v, ts, ok := srcs[best].next()
		cs[best] = cur{v, ts, ok}
	}
	for k := range srcs {
		if err := srcs[k].err(); err != nil {
			return err
		}
	}
	return nil
}
