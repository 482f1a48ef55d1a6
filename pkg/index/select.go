package index

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/skaldlogs/skald/pkg/labels"
)

// selector is a lookup's matchers prepared once (regexes compiled and analysed), so that a
// MultiReader over many segments does that work once per lookup, not once per segment.
type selector struct {
	ms    []*labels.Matcher
	plans []regexPlan
}

func newSelector(ms []*labels.Matcher) (*selector, error) {
	s := &selector{ms: make([]*labels.Matcher, len(ms)), plans: make([]regexPlan, len(ms))}
	for i, m := range ms {
		if m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp {
			if m.Regexp() == nil {
				// Built as a struct literal rather than with NewMatcher: compile it here.
				rebuilt, err := labels.NewMatcher(m.Type, m.Name, m.Value)
				if err != nil {
					return nil, fmt.Errorf("compile matcher %s: %w", m, err)
				}
				m = rebuilt
			}
			s.plans[i] = planRegex(m.Value)
		}
		s.ms[i] = m
	}
	return s, nil
}

// positiveValues returns the indexes (into e.values) of the values that the positive sense of m
// matches: m itself for = and =~, the matcher it negates for != and !~.
func positiveValues(e *nameEntry, m *labels.Matcher, plan *regexPlan) []int {
	var out []int
	if m.Type == labels.MatchEqual || m.Type == labels.MatchNotEqual {
		if i, ok := slices.BinarySearch(e.values, m.Value); ok {
			out = append(out, i)
		}
		return out
	}
	re := m.Regexp() // the positive regex, also for !~ (newSelector ensures it is compiled)
	switch {
	case plan.allValues:
		out = make([]int, len(e.values))
		for i := range out {
			out[i] = i
		}
	case plan.isSet:
		for _, lit := range plan.literals {
			if i, ok := slices.BinarySearch(e.values, lit); ok {
				out = append(out, i)
			}
		}
	case plan.prefix != "":
		lo := sort.SearchStrings(e.values, plan.prefix)
		for i := lo; i < len(e.values) && strings.HasPrefix(e.values[i], plan.prefix); i++ {
			if plan.prefixAll || re.MatchString(e.values[i]) {
				out = append(out, i)
			}
		}
	case plan.suffix != "":
		for i, v := range e.values {
			if strings.HasSuffix(v, plan.suffix) {
				out = append(out, i)
			}
		}
	case plan.contains != "":
		for i, v := range e.values {
			if strings.Contains(v, plan.contains) {
				out = append(out, i)
			}
		}
	default:
		for i, v := range e.values {
			if re.MatchString(v) {
				out = append(out, i)
			}
		}
	}
	return out
}

// complement returns the indexes in [0, n) that are not in idx (sorted).
func complement(idx []int, n int) []int {
	out := make([]int, 0, n-len(idx))
	j := 0
	for i := range n {
		if j < len(idx) && idx[j] == i {
			j++
			continue
		}
		out = append(out, i)
	}
	return out
}

// selectIDs returns the IDs of the series all matchers select, sorted; all is true (and ids nil)
// when the matchers select every series. A series lacking a label reads as having it empty, as in
// Loki, so a matcher that matches "" also selects series without the label: such matchers are
// applied by subtracting the series whose value does not match, the others by intersecting the
// series whose value matches. With no intersecting matcher the result starts from all series.
func (r *Reader) selectIDs(sel *selector) (ids []uint32, all bool, err error) {
	var include [][]uint32
	var exclude [][]uint32
	for k, m := range sel.ms {
		e := r.names[m.Name]
		matchesEmpty := m.Matches("")
		if e == nil {
			if !matchesEmpty {
				return nil, false, nil // no series has the label, and an absent label fails m
			}
			continue
		}
		pos := positiveValues(e, m, &sel.plans[k])
		negative := m.Type == labels.MatchNotEqual || m.Type == labels.MatchNotRegexp
		var idx []int
		switch {
		case !negative && !matchesEmpty, negative && matchesEmpty:
			idx = pos
		default:
			idx = complement(pos, len(e.values))
		}
		lists := make([]postingsList, len(idx))
		for i, k := range idx {
			lists[i] = e.lists[k]
		}
		set, err := r.unionLists(lists)
		if err != nil {
			return nil, false, err
		}
		if matchesEmpty {
			exclude = append(exclude, set)
			continue
		}
		if len(set) == 0 {
			return nil, false, nil
		}
		include = append(include, set)
	}
	if len(include) == 0 {
		if len(exclude) == 0 {
			return nil, true, nil
		}
		ids = make([]uint32, len(r.series))
		for i := range ids {
			ids[i] = uint32(i)
		}
	} else {
		// Intersect the smallest first: the result can only shrink.
		slices.SortFunc(include, func(a, b []uint32) int { return len(a) - len(b) })
		ids = include[0]
		for _, s := range include[1:] {
			if ids = intersect(ids, s); len(ids) == 0 {
				return nil, false, nil
			}
		}
	}
	if len(exclude) > 0 {
		bm := newBitmap(len(r.series))
		for _, s := range exclude {
			bm.set(s)
		}
		ids = slices.DeleteFunc(ids, bm.has)
	}
	return ids, false, nil
}

// forEachSeries calls f for each selected series with chunks in [from, through], in label order.
// size, if not nil, is first told how many series at most f will see.
func (r *Reader) forEachSeries(sel *selector, from, through int64, size func(int), f func(s *seriesEntry) error) error {
	if len(r.series) == 0 || r.maxT < from || r.minT > through {
		return nil
	}
	ids, all, err := r.selectIDs(sel)
	if err != nil {
		return err
	}
	visit := func(id uint32) error {
		s := &r.series[id]
		if s.maxT < from || s.minT > through {
			return nil
		}
		return f(s)
	}
	if all {
		if size != nil {
			size(len(r.series))
		}
		for id := range r.series {
			if err := visit(uint32(id)); err != nil {
				return err
			}
		}
		return nil
	}
	if size != nil {
		size(len(ids))
	}
	for _, id := range ids {
		if err := visit(id); err != nil {
			return err
		}
	}
	return nil
}

// overlaps reports whether s has a chunk in [from, through], reading its chunk refs only when
// the series' overall span does not settle it.
func (r *Reader) overlaps(s *seriesEntry, from, through int64) (bool, error) {
	if s.minT >= from && s.maxT <= through || s.nchunks == 1 {
		return true, nil // the caller already checked the span overlaps
	}
	cs, err := r.chunksOf(s, from, through)
	return len(cs) > 0, err
}

// slabLen is the most labels or chunk refs Series allocates at once (starting small and
// doubling): results share a few large allocations instead of two small ones per series.
const slabLen = 4096

// Series returns the series the matchers select (all series for no matchers) that have chunks
// overlapping [from, through], with those chunks, sorted by labels. The returned slices may share
// backing arrays: append to a series' Labels or Chunks only after copying them.
func (r *Reader) Series(matchers []*labels.Matcher, from, through int64) ([]SeriesChunks, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return nil, err
	}
	return r.seriesSel(sel, from, through)
}

func (r *Reader) seriesSel(sel *selector, from, through int64) ([]SeriesChunks, error) {
	var (
		out   []SeriesChunks
		lslab []labels.Label
		cslab []ChunkRef
	)
	size := func(n int) { out = make([]SeriesChunks, 0, n) }
	err := r.forEachSeries(sel, from, through, size, func(s *seriesEntry) error {
		if cap(cslab)-len(cslab) < int(s.nchunks) {
			cslab = make([]ChunkRef, 0, max(min(2*cap(cslab), slabLen), 16, int(s.nchunks)))
		}
		start := len(cslab)
		var err error
		if cslab, err = r.appendChunks(cslab, s, from, through); err != nil || len(cslab) == start {
			return err
		}
		if cap(lslab)-len(lslab) < int(s.nlabels) {
			lslab = make([]labels.Label, 0, max(min(2*cap(lslab), slabLen), 16, int(s.nlabels)))
		}
		lstart := len(lslab)
		lslab = r.appendLabels(lslab, s)
		out = append(out, SeriesChunks{
			Labels:      lslab[lstart:len(lslab):len(lslab)],
			Fingerprint: s.fp,
			Chunks:      cslab[start:len(cslab):len(cslab)],
		})
		return nil
	})
	return out, err
}

// LabelNames returns the sorted label names of the selected series with chunks in
// [from, through]. It reads no chunk objects.
func (r *Reader) LabelNames(from, through int64, matchers []*labels.Matcher) ([]string, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return nil, err
	}
	return r.labelNamesSel(from, through, sel)
}

func (r *Reader) labelNamesSel(from, through int64, sel *selector) ([]string, error) {
	if len(sel.ms) == 0 && len(r.series) > 0 && r.minT >= from && r.maxT <= through {
		names := make([]string, 0, len(r.names))
		for n := range r.names {
			names = append(names, n)
		}
		slices.Sort(names)
		return names, nil
	}
	seen := make(map[uint32]struct{})
	err := r.forEachSeries(sel, from, through, nil, func(s *seriesEntry) error {
		if ok, err := r.overlaps(s, from, through); !ok || err != nil {
			return err
		}
		for i := uint32(0); i < s.nlabels; i++ {
			seen[r.lrefs[s.lstart+2*i]] = struct{}{}
		}
		return nil
	})
	return r.sortedSymbols(seen), err
}

// LabelValues returns the sorted values of label name among the selected series with chunks in
// [from, through]. It reads no chunk objects.
func (r *Reader) LabelValues(name string, from, through int64, matchers []*labels.Matcher) ([]string, error) {
	sel, err := newSelector(matchers)
	if err != nil {
		return nil, err
	}
	return r.labelValuesSel(name, from, through, sel)
}

func (r *Reader) labelValuesSel(name string, from, through int64, sel *selector) ([]string, error) {
	e := r.names[name]
	if e == nil {
		return nil, nil
	}
	if len(sel.ms) == 0 && r.minT >= from && r.maxT <= through {
		return slices.Clone(e.values), nil
	}
	nameRef, ok := slices.BinarySearch(r.symbols, name)
	if !ok {
		return nil, nil
	}
	seen := make(map[uint32]struct{})
	err := r.forEachSeries(sel, from, through, nil, func(s *seriesEntry) error {
		refs := r.lrefs[s.lstart : s.lstart+2*s.nlabels]
		for i := 0; i < len(refs); i += 2 {
			if refs[i] != uint32(nameRef) {
				continue
			}
			if _, dup := seen[refs[i+1]]; dup {
				return nil
			}
			if ok, err := r.overlaps(s, from, through); ok && err == nil {
				seen[refs[i+1]] = struct{}{}
			} else {
				return err
			}
		}
		return nil
	})
	return r.sortedSymbols(seen), err
}

func (r *Reader) sortedSymbols(set map[uint32]struct{}) []string {
	refs := make([]uint32, 0, len(set))
	for ref := range set {
		refs = append(refs, ref)
	}
	slices.Sort(refs) // symbol order is string order
	out := make([]string, len(refs))
	for i, ref := range refs {
		out[i] = r.symbols[ref]
	}
	return out
}
