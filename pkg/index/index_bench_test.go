package index

import (
	"fmt"
	"testing"

	"github.com/skaldlogs/skald/pkg/labels"
)

// benchSegment builds a segment of n series shaped like a busy tenant's day: 50 apps, 20
// namespaces, 4 levels, a unique pod per series, 4 chunk refs per series.
func benchSegment(b *testing.B, n int) []byte {
	b.Helper()
	w := NewWriter()
	levels := []string{"debug", "info", "warn", "error"}
	for i := range n {
		ls := labels.FromStrings(
			"app", fmt.Sprintf("app-%02d", i%50),
			"namespace", fmt.Sprintf("ns-%02d", i%20),
			"level", levels[i%4],
			"pod", fmt.Sprintf("pod-%06d", i),
			"cluster", "eu-west-1",
		)
		for c := range 4 {
			from := int64(c) * 3_600_000_000_000
			w.Add(ls, ChunkRef{From: from, Through: from + 3_000_000_000_000, Size: 1 << 20, Entries: 10000,
				Key: fmt.Sprintf("chunks/fake/%016x/%d", ls.Hash(), c), Checksum: uint32(i)})
		}
	}
	data, err := w.Finish()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkLookup100k(b *testing.B) {
	data := benchSegment(b, 100_000)
	r, err := Open(data)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("segment: %d series, %d chunk refs, %d bytes (%.1f B/chunk ref)", r.NumSeries(), r.NumChunks(), len(data), float64(len(data))/float64(r.NumChunks()))
	cases := []struct {
		name string
		ms   []*labels.Matcher
	}{
		{"eq-pod", []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "pod", "pod-012345")}},
		{"eq-app+level", []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "app", "app-07"), labels.MustNewMatcher(labels.MatchEqual, "level", "error")}},
		{"re-alternation", []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "pod", "pod-000001|pod-050000|pod-099999")}},
		{"re-prefix", []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "pod", "pod-0123.*")}},
		{"re-generic", []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "pod", ".*12345")}},
		{"re-app-any+neg", []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "app", "app-0[1-3]"), labels.MustNewMatcher(labels.MatchNotEqual, "level", "debug")}},
		{"re-all", []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "app", ".+")}},
	}
	for _, c := range cases {
		b.Run("series/"+c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				s, err := r.Series(c.ms, 0, 1<<62)
				if err != nil {
					b.Fatal(err)
				}
				n = len(s)
			}
			b.ReportMetric(float64(n), "series")
		})
	}
	b.Run("label-values/pod", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.LabelValues("pod", 0, 1<<62, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("label-values/level-for-app", func(b *testing.B) {
		ms := []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "app", "app-07")}
		for b.Loop() {
			if _, err := r.LabelValues("level", 0, 1<<62, ms); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Open(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWriterFinish10k(b *testing.B) {
	for b.Loop() {
		benchSegment(b, 10_000)
	}
}
