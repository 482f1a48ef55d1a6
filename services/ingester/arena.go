package ingester

import (
	"strings"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

// ownEntries rewrites es in place so that no string of theirs aliases the request or WAL
// message they were decoded from: the lines and structured-metadata strings are copied into
// one exactly-sized byte arena and the metadata label pairs into one exactly-sized slice.
// Decoders hand out strings that point into the decompressed body (~1 MiB per push); a head
// that kept one line of each push would keep every such body alive. One allocation per stream
// and push keeps the copy cheap, and the arena is freed once every entry in it is gone (the
// chunk holding them was encoded or dropped). Parsed labels are dropped: stored entries have
// none.
func ownEntries(es []iter.Entry) {
	// First pass: the sizes, and which entries repeat a recent entry's metadata (agents and
	// the distributor's detected_level give most entries one of a few sets): those share the
	// first one's copy.
	var (
		recent recentSets
		same   []int32 // same[k] = j+1 when es[k] shares es[j]'s metadata; nil when none does
	)
	n, pairs := 0, 0
	for k := range es {
		n += len(es[k].Line)
		sm := es[k].StructuredMetadata
		if len(sm) == 0 {
			continue
		}
		if j, ok := recent.find(sm, func(j int) labels.Labels { return es[j].StructuredMetadata }); ok {
			if same == nil {
				same = make([]int32, len(es))
			}
			same[k] = int32(j) + 1
			continue
		}
		recent.add(k)
		pairs += len(sm)
		for _, l := range sm {
			n += len(l.Name) + len(l.Value)
		}
	}
	// A strings.Builder grown once is the arena: its buffer is not zeroed first (every byte
	// is written), it never grows again (exact size), and the strings String returns stay
	// valid as it is appended to.
	var arena strings.Builder
	arena.Grow(n)
	var lbls []labels.Label
	if pairs > 0 {
		lbls = make([]labels.Label, 0, pairs)
	}
	str := func(s string) string {
		if len(s) == 0 {
			return ""
		}
		start := arena.Len()
		arena.WriteString(s)
		return arena.String()[start:]
	}
	for k := range es {
		e := &es[k]
		e.Line = str(e.Line)
		e.Parsed = nil
		switch {
		case len(e.StructuredMetadata) == 0:
			e.StructuredMetadata = nil
			continue
		case same != nil && same[k] > 0:
			e.StructuredMetadata = es[same[k]-1].StructuredMetadata // owned already: j < k
			continue
		}
		start := len(lbls)
		for _, l := range e.StructuredMetadata {
			lbls = append(lbls, labels.Label{Name: str(l.Name), Value: str(l.Value)})
		}
		e.StructuredMetadata = lbls[start:len(lbls):len(lbls)]
	}
}

// recentSets remembers the last few distinct metadata sets seen, by the index of their first
// holder, so that runs of entries over a handful of sets can share one copy.
type recentSets struct {
	idx  [8]int
	n    int
	next int
}

// find returns the index of a remembered set equal to sm; at(j) is the set of index j.
func (r *recentSets) find(sm labels.Labels, at func(j int) labels.Labels) (int, bool) {
	for _, j := range r.idx[:r.n] {
		if sameLabels(at(j), sm) {
			return j, true
		}
	}
	return 0, false
}

func (r *recentSets) add(j int) {
	r.idx[r.next] = j
	r.next = (r.next + 1) % len(r.idx)
	r.n = min(r.n+1, len(r.idx))
}

// sameLabels is labels.Equal with a shortcut for two views of one slice (entries that already
// share a set).
func sameLabels(a, b labels.Labels) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) > 0 && &a[0] == &b[0] {
		return true
	}
	return labels.Equal(a, b)
}

// metadataSets converts entries' structured metadata from the wire, returning the labels of a
// recent equal set instead of new ones: most entries carry one of a few sets
// (detected_level), and ownEntries then copies each set once.
type metadataSets struct {
	recent [4]labels.Labels
	n      int
	next   int
}

func (m *metadataSets) convert(ps []*logproto.LabelPairAdapter) labels.Labels {
	if len(ps) == 0 {
		return nil
	}
	for _, ls := range m.recent[:m.n] {
		if equalPairs(ls, ps) {
			return ls
		}
	}
	ls := make(labels.Labels, len(ps))
	for k, p := range ps {
		ls[k] = labels.Label{Name: p.GetName(), Value: p.GetValue()}
	}
	m.recent[m.next] = ls
	m.next = (m.next + 1) % len(m.recent)
	m.n = min(m.n+1, len(m.recent))
	return ls
}

func equalPairs(ls labels.Labels, ps []*logproto.LabelPairAdapter) bool {
	if len(ls) != len(ps) {
		return false
	}
	for k, p := range ps {
		if ls[k].Name != p.GetName() || ls[k].Value != p.GetValue() {
			return false
		}
	}
	return true
}
