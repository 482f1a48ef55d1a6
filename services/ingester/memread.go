package ingester

import (
	"sort"

	"github.com/cespare/xxhash/v2"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
)

// piece is one time-sorted run of a stream's entries in memory: an encoded chunk (read through
// its block filters) or entries (a decompressed head segment, of the head or of a chunk not yet
// encoded, or a sorted copy of the raw head).
type piece struct {
	enc        *chunk.Chunk
	seg        *headSeg // only inside rangeOf: decompressed into entries before it returns
	entries    []iter.Entry
	minT, maxT int64
}

// memRange is a stream's data in a query's time range, as pieces in cut order with the head
// last. ordered reports that each piece starts no earlier than the previous ones end, so the
// pieces concatenate into timestamp order (ties in arrival order) without a merge.
type memRange struct {
	pieces  []piece
	ordered bool
}

// rangeOf snapshots the stream's data overlapping [from, through). The pieces are immutable:
// compressed head segments are decompressed after s.mu is released.
func (s *stream) rangeOf(from, through int64) (memRange, error) {
	r := memRange{ordered: true}
	lastT := int64(-1 << 63)
	add := func(p piece) {
		if p.minT < lastT {
			r.ordered = false
		}
		lastT = max(lastT, p.maxT)
		r.pieces = append(r.pieces, p)
	}
	addSegs := func(segs []*headSeg) {
		for _, g := range segs {
			if g.maxT >= from && g.minT < through {
				add(piece{seg: g, minT: g.minT, maxT: g.maxT})
			}
		}
	}
	s.mu.RLock()
	for _, c := range s.chunks {
		if c.maxT < from || c.minT >= through {
			continue
		}
		if c.enc != nil {
			add(piece{enc: c.enc, minT: c.minT, maxT: c.maxT})
			continue
		}
		addSegs(c.segs)
	}
	if len(s.head) > 0 && s.headMaxT >= from && s.headMinT < through {
		addSegs(s.headSegs)
		var head []iter.Entry
		for _, e := range s.head {
			if e.Timestamp >= from && e.Timestamp < through {
				head = append(head, e)
			}
		}
		if s.headUnsorted {
			sortEntries(head)
		}
		if len(head) > 0 {
			add(piece{entries: head, minT: head[0].Timestamp, maxT: head[len(head)-1].Timestamp})
		}
	}
	s.mu.RUnlock()
	for k := range r.pieces {
		p := &r.pieces[k]
		if p.seg == nil {
			continue
		}
		es, err := p.seg.entries()
		if err != nil {
			return memRange{}, err
		}
		lo := sort.Search(len(es), func(k int) bool { return es[k].Timestamp >= from })
		hi := sort.Search(len(es), func(k int) bool { return es[k].Timestamp >= through })
		p.entries, p.seg = es[lo:hi], nil
	}
	return r, nil
}

// each calls f with the range's entries in [from, through) in direction dir (backward: the
// exact reverse of forward) until f returns false. Blocks of encoded chunks whose token filter
// proves no line holds every one of needles are skipped, so f may not see entries that cannot
// pass the query's line filters; the caller still applies those filters.
func (r memRange) each(from, through int64, dir iter.Direction, needles []string, f func(e *iter.Entry) bool) error {
	backward := dir == iter.Backward
	if !r.ordered {
		// Out-of-order writes made pieces overlap: merge them.
		srcs := make([]source[iter.Entry], len(r.pieces))
		for k, p := range r.pieces {
			srcs[k] = entrySource(p, from, through, dir, needles)
		}
		return mergeSources(srcs, backward, f)
	}
	for k := range r.pieces {
		p := &r.pieces[k]
		if backward {
			p = &r.pieces[len(r.pieces)-1-k]
		}
		if p.enc != nil {
			it := p.enc.Iterator(from, through, dir, needles)
			for it.Next() {
				e := it.At()
				if !f(&e) {
					return nil
				}
			}
			if err := it.Err(); err != nil {
				return err
			}
			continue
		}
		n := len(p.entries)
		for j := range n {
			if backward {
				j = n - 1 - j
			}
			if !f(&p.entries[j]) {
				return nil
			}
		}
	}
	return nil
}

func entrySource(p piece, from, through int64, dir iter.Direction, needles []string) source[iter.Entry] {
	if p.enc != nil {
		it := p.enc.Iterator(from, through, dir, needles)
		return source[iter.Entry]{
			next: func() (iter.Entry, int64, bool) {
				if !it.Next() {
					return iter.Entry{}, 0, false
				}
				e := it.At()
				return e, e.Timestamp, true
			},
			err: it.Err,
		}
	}
	k, step := 0, 1
	if dir == iter.Backward {
		k, step = len(p.entries)-1, -1
	}
	return source[iter.Entry]{
		next: func() (iter.Entry, int64, bool) {
			if k < 0 || k >= len(p.entries) {
				return iter.Entry{}, 0, false
			}
			e := p.entries[k]
			k += step
			return e, e.Timestamp, true
		},
		err: func() error { return nil },
	}
}

// eachInfo calls f with the timestamp, line length, line hash (xxhash64) and structured
// metadata of the range's entries in [from, through), forward, until f returns false. Encoded
// chunks are read without decompressing their lines (chunk.InfoIterator).
func (r memRange) eachInfo(from, through int64, f func(li *chunk.LineInfo) bool) error {
	srcs := make([]source[chunk.LineInfo], len(r.pieces))
	for k, p := range r.pieces {
		srcs[k] = infoSource(p, from, through)
	}
	if !r.ordered {
		return mergeSources(srcs, false, f)
	}
	for _, src := range srcs {
		for {
			li, _, ok := src.next()
			if !ok {
				break
			}
			if !f(&li) {
				return nil
			}
		}
		if err := src.err(); err != nil {
			return err
		}
	}
	return nil
}

func infoSource(p piece, from, through int64) source[chunk.LineInfo] {
	if p.enc != nil {
		it := p.enc.InfoIterator(from, through)
		return source[chunk.LineInfo]{
			next: func() (chunk.LineInfo, int64, bool) {
				if !it.Next() {
					return chunk.LineInfo{}, 0, false
				}
				li := it.At()
				return li, li.Timestamp, true
			},
			err: it.Err,
		}
	}
	k := 0
	return source[chunk.LineInfo]{
		next: func() (chunk.LineInfo, int64, bool) {
			if k >= len(p.entries) {
				return chunk.LineInfo{}, 0, false
			}
			e := &p.entries[k]
			k++
			return chunk.LineInfo{Timestamp: e.Timestamp, LineLen: len(e.Line), LineHash: xxhash.Sum64String(e.Line), StructuredMetadata: e.StructuredMetadata}, e.Timestamp, true
		},
		err: func() error { return nil },
	}
}
