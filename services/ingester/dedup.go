package ingester

import (
	"github.com/skaldlogs/skald/pkg/chunk"
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
	lo, hi := int64(1<<63-1), int64(-1<<63)
	var want map[int64]struct{} // the timestamps an entry of in could share with a held one
	for _, ea := range in {
		if ea == nil {
			continue
		}
		if ts := ea.GetTimestamp().AsTime().UnixNano(); ts <= maxT {
			lo, hi = min(lo, ts), max(hi, ts)
			if want == nil {
				want = make(map[int64]struct{}, len(in))
			}
			want[ts] = struct{}{}
		}
	}
	if want == nil {
		return nil
	}
	byTS := map[int64][]*iter.Entry{}
	var (
		encoded []*chunk.Chunk
		segs    []*headSeg
	)
	addSegs := func(gs []*headSeg) {
		for _, g := range gs {
			if g.maxT >= lo && g.minT <= hi {
				segs = append(segs, g)
			}
		}
	}
	s.mu.RLock()
	for k := range s.head {
		// A copy: apply reuses the head's slots once they are compressed into a segment.
		if e := s.head[k]; e.Timestamp >= lo && e.Timestamp <= hi {
			byTS[e.Timestamp] = append(byTS[e.Timestamp], &e)
		}
	}
	addSegs(s.headSegs)
	for _, c := range s.chunks {
		if c.maxT < lo || c.minT > hi {
			continue
		}
		if c.enc != nil {
			encoded = append(encoded, c.enc)
			continue
		}
		addSegs(c.segs)
	}
	s.mu.RUnlock()
	// Decompress only the segments and chunks whose span covers a candidate, outside the lock:
	// this path runs only for entries not newer than the stream's newest, which is rare. A
	// damaged one cannot hold a duplicate we could find: its errors accept the entries.
	for _, g := range segs {
		if !g.holdsAny(want) {
			continue // no timestamp in common: nothing to decompress
		}
		es, _ := g.entries()
		for k := range es {
			if e := &es[k]; e.Timestamp >= lo && e.Timestamp <= hi {
				byTS[e.Timestamp] = append(byTS[e.Timestamp], e)
			}
		}
	}
	through := hi + 1
	if hi == 1<<63-1 {
		through = hi // misses only an entry at the largest timestamp: it is then stored twice
	}
	for _, c := range encoded {
		if !chunkHoldsAny(c, lo, through, want) {
			continue
		}
		it := c.Iterator(lo, through, iter.Forward, nil)
		for it.Next() {
			e := it.At()
			byTS[e.Timestamp] = append(byTS[e.Timestamp], &e)
		}
		_ = it.Err()
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

// withoutHeld returns the entries of a replayed record that the stream does not hold yet. A
// push whose WAL append timed out may still be in the WAL while the client's retry is there
// too; live, the retry was checked against what the stream held, so replay checks it the same
// way rather than applying both copies.
func (s *stream) withoutHeld(in []*logproto.EntryAdapter) []*logproto.EntryAdapter {
	s.mu.RLock()
	maxT, hasLast := s.maxT, s.hasLast
	s.mu.RUnlock()
	held := s.held(in, maxT, hasLast)
	if held == nil {
		return in
	}
	out := make([]*logproto.EntryAdapter, 0, len(in))
	for k, ea := range in {
		if !held[k] {
			out = append(out, ea)
		}
	}
	return out
}

// holdsAny reports whether one of the segment's entries has a timestamp in want, reading only
// its uncompressed per-entry columns. Pushes that arrive out of order (concurrent batches of a
// stream) overlap the head's time range all the time but rarely repeat a timestamp: they then
// decompress nothing.
func (g *headSeg) holdsAny(want map[int64]struct{}) bool {
	c := g.cursor()
	for range g.n {
		ts, _, _ := c.next()
		if _, ok := want[ts]; ok {
			return true
		}
	}
	return false
}

// chunkHoldsAny is holdsAny for an encoded chunk, over [from, through): timestamps and lengths
// only, no line decoded.
func chunkHoldsAny(c *chunk.Chunk, from, through int64, want map[int64]struct{}) bool {
	it := c.SizeIterator(from, through)
	for it.Next() {
		if ts, _ := it.At(); ts >= from {
			if _, ok := want[ts]; ok {
				return true
			}
		}
	}
	return it.Err() != nil // a damaged chunk: let the full read decide, as before
}
