package index

import (
	"slices"

	"github.com/skaldlogs/skald/pkg/labels"
)

// MultiReader answers lookups over several segments of one tenant as if they were one: a series
// found in several segments appears once with the union of its chunk refs, and identical chunk
// refs (replicas flushing the same chunk, or a segment and its merged copy) appear once. It is
// safe for concurrent use; the readers must stay open while it is used.
type MultiReader struct {
	readers []*Reader
}

// NewMultiReader returns a MultiReader over rs.
func NewMultiReader(rs ...*Reader) *MultiReader {
	return &MultiReader{readers: slices.Clone(rs)}
}

// Series is Reader.Series over all segments.
func (m *MultiReader) Series(matchers []*labels.Matcher, from, through int64) ([]SeriesChunks, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return nil, err
	}
	return m.seriesSel(sel, from, through)
}

func (m *MultiReader) seriesSel(sel *selector, from, through int64) ([]SeriesChunks, error) {
	if len(m.readers) == 1 {
		return m.readers[0].seriesSel(sel, from, through)
	}
	var all []SeriesChunks
	for _, r := range m.readers {
		s, err := r.seriesSel(sel, from, through)
		if err != nil {
			return nil, err
		}
		all = append(all, s...)
	}
	// Every segment lists most series again: merge equal label sets by fingerprint (labels
	// compared on a match, so a collision only costs a compare), then sort the few series
	// left, rather than sorting every segment's copy by labels.
	byFP := make(map[uint64][]int, len(all)/len(m.readers)+1)
	out := all[:0]
next:
	for _, s := range all {
		for _, i := range byFP[s.Fingerprint] {
			if labels.Equal(out[i].Labels, s.Labels) {
				out[i].Chunks = append(out[i].Chunks, s.Chunks...)
				continue next
			}
		}
		byFP[s.Fingerprint] = append(byFP[s.Fingerprint], len(out))
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b SeriesChunks) int { return labels.Compare(a.Labels, b.Labels) })
	for i := range out {
		cs := out[i].Chunks
		slices.SortFunc(cs, compareChunkRefs)
		out[i].Chunks = slices.CompactFunc(cs, func(a, b ChunkRef) bool { return a == b })
	}
	return out, nil
}

// LabelNames is Reader.LabelNames over all segments.
func (m *MultiReader) LabelNames(from, through int64, matchers []*labels.Matcher) ([]string, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return nil, err
	}
	return m.union(func(r *Reader) ([]string, error) { return r.labelNamesSel(from, through, sel) })
}

// LabelValues is Reader.LabelValues over all segments.
func (m *MultiReader) LabelValues(name string, from, through int64, matchers []*labels.Matcher) ([]string, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return nil, err
	}
	return m.union(func(r *Reader) ([]string, error) { return r.labelValuesSel(name, from, through, sel) })
}

func (m *MultiReader) union(f func(*Reader) ([]string, error)) ([]string, error) {
	var out []string
	for _, r := range m.readers {
		s, err := f(r)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
