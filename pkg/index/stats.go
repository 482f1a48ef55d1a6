package index

import (
	"github.com/skaldlogs/skald/pkg/labels"
)

// Stats summarise what a selector covers, as Loki's /loki/api/v1/index/stats reports it: a chunk
// that overlaps the range counts whole.
type Stats struct {
	Streams uint64
	Chunks  uint64
	Bytes   uint64 // uncompressed
	Entries uint64
}

func (s *Stats) addSeries(cs []ChunkRef) {
	if len(cs) == 0 {
		return
	}
	s.Streams++
	for _, c := range cs {
		s.Chunks++
		s.Bytes += uint64(c.UncompressedSize)
		s.Entries += uint64(c.Entries)
	}
}

// Stats returns the totals of the series the matchers select over [from, through], decoding
// chunk refs into one reused buffer and materialising no labels.
func (r *Reader) Stats(matchers []*labels.Matcher, from, through int64) (Stats, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return Stats{}, err
	}
	return r.statsSel(sel, from, through)
}

func (r *Reader) statsSel(sel *selector, from, through int64) (Stats, error) {
	var st Stats
	var buf []ChunkRef
	err := r.forEachSeries(sel, from, through, nil, func(s *seriesEntry) error {
		var err error
		buf, err = r.appendChunks(buf[:0], s, from, through)
		st.addSeries(buf)
		return err
	})
	return st, err
}

// Stats is Reader.Stats over all segments, counting a series found in several segments once
// and identical chunk refs once.
func (m *MultiReader) Stats(matchers []*labels.Matcher, from, through int64) (Stats, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return Stats{}, err
	}
	if len(m.readers) == 1 {
		return m.readers[0].statsSel(sel, from, through)
	}
	series, err := m.seriesSel(sel, from, through)
	var st Stats
	for _, s := range series {
		st.addSeries(s.Chunks)
	}
	return st, err
}

// Compact merges segments into one (the compactor's job): every series with the union of its
// chunk refs, identical refs once.
func Compact(rs ...*Reader) ([]byte, error) {
	w := NewWriter()
	for _, r := range rs {
		series, err := r.Series(nil, minTime, maxTime)
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			for _, c := range s.Chunks {
				w.Add(s.Labels, c)
			}
		}
	}
	return w.Finish()
}

const (
	minTime = -1 << 63
	maxTime = 1<<63 - 1
)
