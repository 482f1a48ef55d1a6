package store

import (
	"fmt"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
)

type entrySliceSource struct {
	s []iter.Entry
	i int
}

func (s *entrySliceSource) Next() bool     { s.i++; return s.i <= len(s.s) }
func (s *entrySliceSource) At() iter.Entry { return s.s[s.i-1] }
func (s *entrySliceSource) Err() error     { return nil }

// BenchmarkRunMerge merges two replicas of one stream's entries (the line path's key is the
// line), as a run of overlapping chunks is read.
func BenchmarkRunMerge(b *testing.B) {
	es := make([]iter.Entry, 10000)
	for i := range es {
		es[i] = iter.Entry{Timestamp: int64(i) * 1000, Line: fmt.Sprintf(`{"status":%d,"i":%d}`, 200+i%5, i)}
	}
	b.ReportAllocs()
	for b.Loop() {
		m := newRunMerge([]runSource[iter.Entry]{&entrySliceSource{s: es}, &entrySliceSource{s: es}}, false,
			func(e iter.Entry) int64 { return e.Timestamp }, func(e iter.Entry) string { return e.Line })
		for m.Next() {
		}
	}
}

// BenchmarkRunMergeAdjacent merges two chunks of one stream that overlap in their last and
// first 5% (entries that arrived late, after a cut), the usual shape of a run in one ingester's
// flushes.
func BenchmarkRunMergeAdjacent(b *testing.B) {
	es := make([]iter.Entry, 20000)
	for i := range es {
		es[i] = iter.Entry{Timestamp: int64(i) * 1000, Line: fmt.Sprintf(`{"status":%d,"i":%d}`, 200+i%5, i)}
	}
	first, second := es[:10500], es[9500:]
	b.ReportAllocs()
	for b.Loop() {
		m := newRunMerge([]runSource[iter.Entry]{&entrySliceSource{s: first}, &entrySliceSource{s: second}}, false,
			func(e iter.Entry) int64 { return e.Timestamp }, func(e iter.Entry) string { return e.Line })
		for m.Next() {
		}
	}
}
