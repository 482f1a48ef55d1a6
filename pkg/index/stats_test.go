package index

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

func TestStatsAndCompact(t *testing.T) {
	m, w := testData(300, 5)
	data, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	// A second segment repeating a third of the series' chunks (replicas) plus a new series.
	w2 := NewWriter()
	i := 0
	for _, s := range m {
		if i++; i%3 == 0 {
			w2.Add(s.Labels, s.Chunks[0])
		}
	}
	extra := labels.FromStrings("app", "app-new", "pod", "pod-x")
	ref := ChunkRef{From: 5, Through: 6, Size: 1, UncompressedSize: 7, Entries: 3, Key: "k/new"}
	w2.Add(extra, ref)
	m.add(extra, ref)
	data2, err := w2.Finish()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Open(data2)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := Compact(r, r2)
	if err != nil {
		t.Fatal(err)
	}
	rm, err := Open(merged)
	if err != nil {
		t.Fatal(err)
	}
	check(t, rm, m)

	multi := NewMultiReader(r, r2)
	for _, ms := range testMatchers {
		for _, tr := range testRanges {
			var want Stats
			for _, s := range m.series(ms, tr[0], tr[1]) {
				want.addSeries(s.Chunks)
			}
			for name, l := range map[string]interface {
				Stats([]*labels.Matcher, int64, int64) (Stats, error)
			}{"merged": rm, "multi": multi} {
				got, err := l.Stats(ms, tr[0], tr[1])
				if err != nil || got != want {
					t.Errorf("%s Stats(%v, %v) = %+v, %v; want %+v", name, ms, tr, got, err, want)
				}
			}
		}
	}
}
