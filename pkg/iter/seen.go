package iter

// seenSet holds what a merge returned at the current timestamp: sources need not order the
// entries of one timestamp alike (a push's order in one replica, a retried push's in another;
// by labels in an ingester's response, by entry in a chunk), so a copy is not always next to
// its original. Almost every timestamp has one key; a long group moves to a map.
type seenSet[K comparable] struct {
	keys []K
	m    map[K]struct{}
}

const seenLinearMax = 16

func (s *seenSet[K]) reset(k K) {
	s.keys = append(s.keys[:0], k)
	if s.m != nil {
		clear(s.m)
	}
}

// add records k, reporting false when it was already there.
func (s *seenSet[K]) add(k K) bool {
	if len(s.m) > 0 {
		if _, ok := s.m[k]; ok {
			return false
		}
		s.m[k] = struct{}{}
		return true
	}
	for _, x := range s.keys {
		if x == k {
			return false
		}
	}
	s.keys = append(s.keys, k)
	if len(s.keys) > seenLinearMax {
		if s.m == nil {
			s.m = make(map[K]struct{}, 2*len(s.keys))
		}
		for _, x := range s.keys {
			s.m[x] = struct{}{}
		}
		s.keys = s.keys[:0]
	}
	return true
}

// entryKey identifies an entry among those of one timestamp.
type entryKey struct {
	lbls   string
	stream uint64
	line   string
}

// sampleKey identifies a sample among those of one timestamp.
type sampleKey struct {
	lbls   string
	stream uint64
	hash   uint64
}
