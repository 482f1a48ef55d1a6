package index

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

// model is the brute-force reference the index must agree with.
type model map[string]*SeriesChunks // by Labels.String()

func (m model) add(ls labels.Labels, c ChunkRef) {
	k := ls.String()
	if m[k] == nil {
		m[k] = &SeriesChunks{Labels: ls, Fingerprint: ls.Hash()}
	}
	if !slices.Contains(m[k].Chunks, c) {
		m[k].Chunks = append(m[k].Chunks, c)
	}
}

func (m model) series(ms []*labels.Matcher, from, through int64) []SeriesChunks {
	var out []SeriesChunks
	for _, s := range m {
		if !labels.MatchesLabels(ms, s.Labels) {
			continue
		}
		var cs []ChunkRef
		for _, c := range s.Chunks {
			if c.Overlaps(from, through) {
				cs = append(cs, c)
			}
		}
		if len(cs) == 0 {
			continue
		}
		slices.SortFunc(cs, compareChunkRefs)
		out = append(out, SeriesChunks{Labels: s.Labels, Fingerprint: s.Fingerprint, Chunks: cs})
	}
	slices.SortFunc(out, func(a, b SeriesChunks) int { return labels.Compare(a.Labels, b.Labels) })
	return out
}

func (m model) names(ms []*labels.Matcher, from, through int64) []string {
	var out []string
	for _, s := range m.series(ms, from, through) {
		for _, l := range s.Labels {
			out = append(out, l.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (m model) values(name string, ms []*labels.Matcher, from, through int64) []string {
	var out []string
	for _, s := range m.series(ms, from, through) {
		if v := s.Labels.Get(name); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// testData builds n series with labels app (10 values), pod (unique), level (4, absent on some),
// env (2, on half) and 1–3 chunks each within [0, 1000].
func testData(n int, seed uint64) (model, *Writer) {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := model{}
	w := NewWriter()
	levels := []string{"debug", "info", "warn", "error"}
	for i := range n {
		lb := []string{"app", fmt.Sprintf("app-%d", i%10), "pod", fmt.Sprintf("pod-%05d", i)}
		if i%5 != 0 {
			lb = append(lb, "level", levels[i%4])
		}
		if i%2 == 0 {
			lb = append(lb, "env", []string{"prod", "dev"}[i%3%2])
		}
		ls := labels.FromStrings(lb...)
		for c := range 1 + rng.IntN(3) {
			from := rng.Int64N(1000)
			ref := ChunkRef{From: from, Through: from + rng.Int64N(100), Size: rng.Int64N(1 << 20), UncompressedSize: rng.Int64N(1 << 22), Entries: rng.Int64N(1000),
				Key: fmt.Sprintf("chunks/fake/%x/%d", ls.Hash(), c), Checksum: rng.Uint32()}
			m.add(ls, ref)
			w.Add(ls, ref)
			if c == 0 && i%7 == 0 {
				w.Add(ls, ref) // a duplicate ref is stored once
			}
		}
	}
	return m, w
}

var testMatchers = [][]*labels.Matcher{
	nil,
	{labels.MustNewMatcher(labels.MatchEqual, "app", "app-3")},
	{labels.MustNewMatcher(labels.MatchEqual, "app", "nope")},
	{labels.MustNewMatcher(labels.MatchEqual, "missing", "x")},
	{labels.MustNewMatcher(labels.MatchEqual, "missing", "")},
	{labels.MustNewMatcher(labels.MatchEqual, "level", "")},
	{labels.MustNewMatcher(labels.MatchNotEqual, "level", "")},
	{labels.MustNewMatcher(labels.MatchNotEqual, "level", "info")},
	{labels.MustNewMatcher(labels.MatchEqual, "app", "app-3"), labels.MustNewMatcher(labels.MatchEqual, "level", "warn")},
	{labels.MustNewMatcher(labels.MatchRegexp, "app", "app-1|app-2|app-9")},
	{labels.MustNewMatcher(labels.MatchRegexp, "app", "app-[1-3]")},
	{labels.MustNewMatcher(labels.MatchRegexp, "app", ".+")},
	{labels.MustNewMatcher(labels.MatchRegexp, "app", ".*")},
	{labels.MustNewMatcher(labels.MatchRegexp, "level", ".*")},
	{labels.MustNewMatcher(labels.MatchRegexp, "level", "|info")},
	{labels.MustNewMatcher(labels.MatchRegexp, "pod", "pod-000.*")},
	{labels.MustNewMatcher(labels.MatchRegexp, "pod", "pod-00.*1")},
	{labels.MustNewMatcher(labels.MatchRegexp, "pod", "(?i)POD-0001.")},
	{labels.MustNewMatcher(labels.MatchRegexp, "pod", ".*7")},
	{labels.MustNewMatcher(labels.MatchRegexp, "pod", ".*-001.*")},
	{labels.MustNewMatcher(labels.MatchNotRegexp, "pod", ".*0")},
	{labels.MustNewMatcher(labels.MatchRegexp, "level", ".*o")},
	{labels.MustNewMatcher(labels.MatchNotRegexp, "level", "info|warn")},
	{labels.MustNewMatcher(labels.MatchNotRegexp, "level", ".*")},
	{labels.MustNewMatcher(labels.MatchNotRegexp, "level", ".+")},
	{labels.MustNewMatcher(labels.MatchRegexp, "app", "app-.*"), labels.MustNewMatcher(labels.MatchNotRegexp, "pod", "pod-0.*"),
		labels.MustNewMatcher(labels.MatchNotEqual, "env", "dev")},
	{labels.MustNewMatcher(labels.MatchRegexp, "env", "prod|dev"), labels.MustNewMatcher(labels.MatchRegexp, "level", "error|debug")},
	{labels.MustNewMatcher(labels.MatchNotEqual, "app", "app-1"), labels.MustNewMatcher(labels.MatchNotEqual, "app", "app-2")},
}

var testRanges = [][2]int64{{0, 2000}, {-100, 5000}, {100, 200}, {500, 500}, {1200, 1300}, {-50, -1}, {990, 1100}}

func TestReaderMatchesModel(t *testing.T) {
	m, w := testData(500, 1)
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.NumSeries() != len(m) {
		t.Fatalf("NumSeries = %d, want %d", r.NumSeries(), len(m))
	}
	check(t, r, m)
}

func check(t *testing.T, r Lookup, m model) {
	t.Helper()
	for _, ms := range testMatchers {
		for _, tr := range testRanges {
			got, err := r.Series(ms, tr[0], tr[1])
			if err != nil {
				t.Fatal(err)
			}
			want := m.series(ms, tr[0], tr[1])
			if !equalSeries(got, want) {
				t.Errorf("Series(%v, %v): %d series, want %d", ms, tr, len(got), len(want))
			}
			names, err := r.LabelNames(tr[0], tr[1], ms)
			if err != nil || !slices.Equal(names, m.names(ms, tr[0], tr[1])) {
				t.Errorf("LabelNames(%v, %v) = %q, %v; want %q", tr, ms, names, err, m.names(ms, tr[0], tr[1]))
			}
			for _, name := range []string{"app", "level", "env", "missing"} {
				vals, err := r.LabelValues(name, tr[0], tr[1], ms)
				if want := m.values(name, ms, tr[0], tr[1]); err != nil || !slices.Equal(vals, want) {
					t.Errorf("LabelValues(%s, %v, %v) = %q, %v; want %q", name, tr, ms, vals, err, want)
				}
			}
		}
	}
}

func equalSeries(a, b []SeriesChunks) bool {
	return slices.EqualFunc(a, b, func(x, y SeriesChunks) bool {
		return labels.Equal(x.Labels, y.Labels) && x.Fingerprint == y.Fingerprint && slices.Equal(x.Chunks, y.Chunks)
	})
}

func TestMultiReader(t *testing.T) {
	// Three "ingesters" write overlapping segments: replicas of the same chunks plus their own.
	m := model{}
	var readers []*Reader
	for seg := range 3 {
		w := NewWriter()
		for i := range 200 {
			ls := labels.FromStrings("app", fmt.Sprintf("app-%d", i%10), "pod", fmt.Sprintf("pod-%05d", i), "level", []string{"info", "warn"}[i%2])
			shared := ChunkRef{From: int64(i), Through: int64(i + 50), Size: 10, Entries: 1, Key: fmt.Sprintf("c/%d", i)}
			own := ChunkRef{From: int64(300 + seg*100), Through: int64(350 + seg*100), Size: 10, Entries: 1, Key: fmt.Sprintf("c/%d/%d", i, seg)}
			w.Add(ls, shared)
			m.add(ls, shared)
			if (i+seg)%3 == 0 {
				w.Add(ls, own)
				m.add(ls, own)
			}
		}
		data, err := w.Finish()
		if err != nil {
			t.Fatal(err)
		}
		r, err := Open(data)
		if err != nil {
			t.Fatal(err)
		}
		readers = append(readers, r)
	}
	check(t, NewMultiReader(readers...), m)
}

func TestWriterRejectsInvalidInput(t *testing.T) {
	ok := ChunkRef{From: 1, Through: 2, Key: "k"}
	cases := []struct {
		name string
		ls   labels.Labels
		ref  ChunkRef
	}{
		{"through before from", labels.FromStrings("a", "b"), ChunkRef{From: 2, Through: 1, Key: "k"}},
		{"empty key", labels.FromStrings("a", "b"), ChunkRef{From: 1, Through: 2}},
		{"negative size", labels.FromStrings("a", "b"), ChunkRef{From: 1, Through: 2, Key: "k", Size: -1}},
		{"span overflows", labels.FromStrings("a", "b"), ChunkRef{From: -1 << 62, Through: 1 << 62, Key: "k"}},
		{"duplicate name", labels.Labels{{Name: "a", Value: "b"}, {Name: "a", Value: "c"}}, ok},
		{"empty name", labels.Labels{{Name: "", Value: "b"}}, ok},
	}
	for _, c := range cases {
		w := NewWriter()
		w.Add(c.ls, c.ref)
		if _, err := w.Finish(); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestWriterNormalisesLabels(t *testing.T) {
	w := NewWriter()
	unsorted := labels.Labels{{Name: "b", Value: "2"}, {Name: "a", Value: "1"}, {Name: "c", Value: ""}}
	w.Add(unsorted, ChunkRef{From: 1, Through: 2, Key: "k1"})
	w.Add(labels.FromStrings("a", "1", "b", "2"), ChunkRef{From: 3, Through: 4, Key: "k2"})
	if w.Len() != 1 {
		t.Fatalf("Len = %d, want 1 (same series once empty labels are dropped)", w.Len())
	}
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Series(nil, 0, 10)
	if err != nil || len(s) != 1 || s[0].Labels.String() != `{a="1", b="2"}` || len(s[0].Chunks) != 2 {
		t.Fatalf("Series = %+v, %v", s, err)
	}
	if unsorted[0].Name != "b" {
		t.Error("Add modified its argument")
	}
}

func TestEmptySegment(t *testing.T) {
	data, err := NewWriter().Finish()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.Series(nil, 0, 100)
	if err != nil || len(s) != 0 {
		t.Errorf("Series = %v, %v", s, err)
	}
	if _, _, ok := r.Bounds(); ok {
		t.Error("Bounds ok on an empty segment")
	}
}

func TestCorruption(t *testing.T) {
	_, w := testData(20, 3)
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	// Every single-byte change and every truncation is detected.
	for i := range data {
		bad := slices.Clone(data)
		bad[i] ^= 0x40
		if _, err := Open(bad); !isCorruption(err) {
			t.Fatalf("flip byte %d: err = %v, want a CorruptionError", i, err)
		}
	}
	for n := range len(data) {
		if _, err := Open(data[:n]); !isCorruption(err) {
			t.Fatalf("truncated to %d: err = %v, want a CorruptionError", n, err)
		}
	}
}

func isCorruption(err error) bool {
	var ce *CorruptionError
	return errors.As(err, &ce) && errors.Is(err, ErrCorrupt)
}

func TestUncompiledMatchers(t *testing.T) {
	_, w := testData(100, 9)
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	// Matchers built as struct literals carry no compiled regex: lookups compile them.
	lit := []*labels.Matcher{{Type: labels.MatchRegexp, Name: "app", Value: "app-1|app-2"}, {Type: labels.MatchNotRegexp, Name: "level", Value: "info"}}
	compiled := []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "app", "app-1|app-2"), labels.MustNewMatcher(labels.MatchNotRegexp, "level", "info")}
	got, err := r.Series(lit, 0, 2000)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := r.Series(compiled, 0, 2000)
	if len(want) == 0 || !equalSeries(got, want) {
		t.Errorf("uncompiled matchers: %d series, want %d", len(got), len(want))
	}
	bad := []*labels.Matcher{{Type: labels.MatchRegexp, Name: "app", Value: "("}}
	if _, err := r.Series(bad, 0, 2000); err == nil {
		t.Error("invalid regex: no error")
	}
	if _, err := NewMultiReader(r).LabelValues("app", 0, 2000, bad); err == nil {
		t.Error("invalid regex through MultiReader: no error")
	}
}
