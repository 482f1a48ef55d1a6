package store

import (
	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// seriesSizeSamples returns the samples of one stream for an extractor that log.SizeOnly
// admits, read from the chunks' timestamps, line lengths, line hashes and structured metadata
// without decompressing a line (chunk.InfoIterator), or nil when the stream has no chunk. It
// yields what logql.NewExtractorIterator over seriesIterator would: overlapping chunks are
// merged as there, with the line hash standing in for the line (runMerge keeps the same
// entries either way), labels come from the extractor itself (Process with a nil line, which
// SizeOnly guarantees gives the labels of the real line), the value is 1 or the line length,
// and the hash is the stored xxhash64 of the line.
//
// Without needHash (a stream whose samples are all summed per step, so none is compared with
// an ingester's copy) samples carry hash 0 and no line is read for a hash: a chunk that
// overlaps no other is read from its timestamps, lengths and metadata alone, and the merge of
// overlapping chunks hashes only the entries that share a timestamp with another chunk's
// (chunk.InfoIterator.Hash); a chunk's v3 has no hash column to read instead.
func (qs *queryState) seriesSizeSamples(sp *seriesPlan, se log.StreamSampleExtractor, kind log.LineExtraction, needHash bool) iter.SampleIterator {
	if len(sp.refs) == 0 {
		return nil
	}
	runs := overlapRuns(sp)
	srcs := make([]runSource[infoAt], 0, len(runs))
	for ri, run := range runs {
		in := make([]runSource[infoAt], 0, len(run))
		for _, ref := range run {
			l := &lazyInfoIterator{pf: qs.pf, job: qs.jobs[ref.Key], noHash: !needHash, alone: len(run) == 1}
			qs.chunkIts = append(qs.chunkIts, l)
			in = append(in, l)
			if ri == 0 {
				qs.pf.markUrgent(l.job)
			}
		}
		if len(in) == 1 {
			srcs = append(srcs, in[0])
			continue
		}
		m := newRunMerge(in, false,
			func(li infoAt) int64 { return li.Timestamp },
			func(li infoAt) uint64 { return li.src.hash() })
		qs.dupCounters = append(qs.dupCounters, m)
		srcs = append(srcs, m)
	}
	return &sizeSampleIterator{srcs: srcs, meta: metaLabeller{se: se}, bytes: kind == log.BytesExtraction, hash: sp.fp}
}

// sizeSampleIterator turns line infos into samples, run after run.
type sizeSampleIterator struct {
	srcs  []runSource[infoAt]
	i     int
	meta  metaLabeller
	bytes bool
	hash  uint64
	cur   iter.Sample
	lbls  string
	err   error
}

// metaLabeller is what a SizeOnly extractor gives one stream's entries, per structured
// metadata set: with no stage the labels and the keep flag depend on the stream and the
// metadata only, and a stream has few sets (detected_level's values, say), so the last few are
// remembered instead of running the extractor per entry.
type metaLabeller struct {
	se   log.StreamSampleExtractor
	seen []labelledMeta // most recent first
}

type labelledMeta struct {
	meta labels.Labels
	keep bool
	v    float64
	lbls string
}

// maxSeenMeta bounds the metadata sets a metaLabeller remembers.
const maxSeenMeta = 8

func (m *metaLabeller) get(ts int64, sm labels.Labels) labelledMeta {
	for i := range m.seen {
		if labels.Equal(m.seen[i].meta, sm) {
			return m.seen[i]
		}
	}
	v, lr, ok := m.se.Process(ts, nil, sm)
	r := labelledMeta{meta: sm, keep: ok, v: v}
	if ok {
		r.lbls = lr.String()
	}
	if len(m.seen) < maxSeenMeta {
		m.seen = append(m.seen, r)
	} else {
		copy(m.seen[1:], m.seen[:maxSeenMeta-1])
		m.seen[0] = r
	}
	return r
}

func (s *sizeSampleIterator) Next() bool {
	for s.i < len(s.srcs) && s.err == nil {
		src := s.srcs[s.i]
		if !src.Next() {
			s.err = src.Err()
			s.i++
			continue
		}
		li := src.At()
		r := s.meta.get(li.Timestamp, li.StructuredMetadata)
		if !r.keep {
			continue
		}
		v := r.v
		s.lbls = r.lbls
		if s.bytes {
			v = float64(li.LineLen)
		}
		s.cur = iter.Sample{Timestamp: li.Timestamp, Value: v, Hash: li.LineHash}
		return true
	}
	return false
}

func (s *sizeSampleIterator) At() iter.Sample    { return s.cur }
func (s *sizeSampleIterator) Labels() string     { return s.lbls }
func (s *sizeSampleIterator) StreamHash() uint64 { return s.hash }
func (s *sizeSampleIterator) Err() error         { return s.err }
func (s *sizeSampleIterator) Close() error       { return nil }

// lazyInfoIterator reads one chunk's line infos, taking the chunk from the prefetcher on
// first use and letting go of it when exhausted.
type lazyInfoIterator struct {
	pf      *prefetcher
	job     *fetchJob
	started bool
	// noHash: hashes only on demand (hash); alone: the chunk overlaps no other, so without
	// metadata its timestamps and lengths are all that is read.
	noHash, alone bool
	// taken, when set, is the chunk already taken from the prefetcher, read over [from,
	// through) instead of the query's range.
	taken         *chunk.Chunk
	from, through int64
	it            *chunk.InfoIterator
	sz            *chunk.SizeIterator
	cur           infoAt
	stats         chunk.IterStats // final stats once it is released
	err           error
}

func (l *lazyInfoIterator) Next() bool {
	if !l.started {
		l.started = true
		c, from, through := l.taken, l.from, l.through
		if c == nil {
			var err error
			c, _, err = l.pf.take(l.job)
			switch {
			case err != nil:
				l.err = err
				return false
			case c == nil:
				return false
			}
			from, through = l.pf.start, l.pf.end
		}
		switch {
		case l.noHash && l.alone && !hasMetadata(c):
			l.sz = c.SizeIterator(from, through)
		case l.noHash:
			l.it = c.InfoIterator(from, through).SkipHashes()
		default:
			l.it = c.InfoIterator(from, through)
		}
		l.cur.src = l
	}
	if l.err != nil {
		return false
	}
	switch {
	case l.sz != nil:
		if l.sz.Next() {
			l.cur.Timestamp, l.cur.LineLen = l.sz.At()
			return true
		}
		l.err, l.stats, l.sz = l.sz.Err(), l.sz.Stats(), nil
	case l.it != nil:
		if l.it.Next() {
			l.cur.LineInfo = l.it.At()
			return true
		}
		l.err, l.stats, l.it = l.it.Err(), l.it.Stats(), nil
	}
	return false
}

func hasMetadata(c *chunk.Chunk) bool {
	for _, b := range c.BlockSummaries() {
		if b.HasMetadata {
			return true
		}
	}
	return false
}

func (l *lazyInfoIterator) At() infoAt { return l.cur }

// hash returns the line hash of the entry the iterator is on (an error ends the iteration).
func (l *lazyInfoIterator) hash() uint64 {
	if l.it == nil {
		return l.cur.LineHash
	}
	h, err := l.it.Hash()
	if err != nil && l.err == nil {
		l.err = err
	}
	return h
}

// infoAt is a line info with the iterator it came from, so that a merge can ask for the hash
// of the entry the iterator is on.
type infoAt struct {
	chunk.LineInfo
	src *lazyInfoIterator
}

func (l *lazyInfoIterator) Err() error { return l.err }

// currentStats is not synchronised with Next: call it from the iterating goroutine.
func (l *lazyInfoIterator) currentStats() chunk.IterStats {
	switch {
	case l.it != nil:
		return l.it.Stats()
	case l.sz != nil:
		return l.sz.Stats()
	}
	return l.stats
}
