package ingester

import (
	"sort"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/proto/logproto"
)

// held reports which entries of in the stream already holds (same timestamp, line and
// structured metadata) in its head or its chunks in memory. An agent that retries a push after
// a timeout, or a distributor that re-sends to a replica that did get the first attempt, sends
// lines the stream has; storing them twice would return them twice and make a log query's
// limit count copies. Only entries not newer than maxT can be held, so in-order pushes (the
// common case) cost nothing here. It returns nil when none is held.
func (s *stream) held(in []*logproto.EntryAdapter, maxT int64, hasLast bool) []bool {
	if !hasLast {
		return nil
	}
	lo, hi, any := int64(1<<63-1), int64(-1<<63), false
	for _, ea := range in {
		if ea == nil {
			continue
		}
		if ts := ea.GetTimestamp().AsTime().UnixNano(); ts <= maxT {
			lo, hi, any = min(lo, ts), max(hi, ts), true
		}
	}
	if !any {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	byTS := map[int64][]*iter.Entry{}
	for k := range s.head {
		if e := &s.head[k]; e.Timestamp >= lo && e.Timestamp <= hi {
			byTS[e.Timestamp] = append(byTS[e.Timestamp], e)
		}
	}
	for _, c := range s.chunks {
		if c.maxT < lo || c.minT > hi {
			continue
		}
		k := sort.Search(len(c.entries), func(k int) bool { return c.entries[k].Timestamp >= lo })
		for ; k < len(c.entries) && c.entries[k].Timestamp <= hi; k++ {
			e := &c.entries[k]
			byTS[e.Timestamp] = append(byTS[e.Timestamp], e)
		}
	}
	if len(byTS) == 0 {
		return nil
	}
	out := make([]bool, len(in))
	found := false
	for j, ea := range in {
		if ea == nil {
			continue
		}
		cands := byTS[ea.GetTimestamp().AsTime().UnixNano()]
		if len(cands) == 0 {
			continue
		}
		e := iter.EntryFromProto(ea)
		for _, c := range cands {
			if sameEntry(&e, c) {
				out[j], found = true, true
				break
			}
		}
	}
	if !found {
		return nil
	}
	return out
}
