package store

import (
	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
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
func (qs *queryState) seriesSizeSamples(sp *seriesPlan, se log.StreamSampleExtractor, kind log.LineExtraction) iter.SampleIterator {
	if len(sp.refs) == 0 {
		return nil
	}
	runs := overlapRuns(sp)
	srcs := make([]runSource[chunk.LineInfo], 0, len(runs))
	for ri, run := range runs {
		in := make([]runSource[chunk.LineInfo], 0, len(run))
		for _, ref := range run {
			l := &lazyInfoIterator{pf: qs.pf, job: qs.jobs[ref.Key]}
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
			func(li chunk.LineInfo) int64 { return li.Timestamp },
			func(li chunk.LineInfo) uint64 { return li.LineHash })
		qs.dupCounters = append(qs.dupCounters, m)
		srcs = append(srcs, m)
	}
	return &sizeSampleIterator{srcs: srcs, se: se, bytes: kind == log.BytesExtraction, hash: sp.fp}
}

// sizeSampleIterator turns line infos into samples, run after run.
type sizeSampleIterator struct {
	srcs  []runSource[chunk.LineInfo]
	i     int
	se    log.StreamSampleExtractor
	bytes bool
	hash  uint64
	cur   iter.Sample
	lbls  string
	err   error
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
		v, lr, ok := s.se.Process(li.Timestamp, nil, li.StructuredMetadata)
		if !ok {
			continue
		}
		if s.bytes {
			v = float64(li.LineLen)
		}
		s.cur = iter.Sample{Timestamp: li.Timestamp, Value: v, Hash: li.LineHash}
		s.lbls = lr.String()
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
	it      *chunk.InfoIterator
	stats   chunk.IterStats // final stats once it is released
	err     error
}

func (l *lazyInfoIterator) Next() bool {
	if !l.started {
		l.started = true
		c, _, err := l.pf.take(l.job)
		switch {
		case err != nil:
			l.err = err
			return false
		case c == nil:
			return false
		}
		l.it = c.InfoIterator(l.pf.start, l.pf.end)
	}
	if l.it == nil {
		return false
	}
	if l.it.Next() {
		return true
	}
	l.err = l.it.Err()
	l.stats = l.it.Stats()
	l.it = nil
	return false
}

func (l *lazyInfoIterator) At() chunk.LineInfo { return l.it.At() }
func (l *lazyInfoIterator) Err() error         { return l.err }

// currentStats is not synchronised with Next: call it from the iterating goroutine.
func (l *lazyInfoIterator) currentStats() chunk.IterStats {
	if l.it != nil {
		return l.it.Stats()
	}
	return l.stats
}
