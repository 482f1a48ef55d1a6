package logql

import (
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
)

func TestBucketGridEndCut(t *testing.T) {
	g := BucketGrid{Width: 10, Anchor: 3}
	for _, c := range []struct{ ts, end, cut int64 }{
		{3, 3, -7}, {4, 13, 3}, {12, 13, 3}, {13, 13, 3}, {-8, -7, -17}, {-7, -7, -17}, {-6, 3, -7},
	} {
		if got := g.End(c.ts); got != c.end {
			t.Errorf("End(%d) = %d, want %d", c.ts, got, c.end)
		}
		if got := g.Cut(c.ts); got != c.cut {
			t.Errorf("Cut(%d) = %d, want %d", c.ts, got, c.cut)
		}
	}
}

type lsample struct {
	lbls string
	s    iter.Sample
}

// sliceSamples is one stream's samples with per-sample labels.
type sliceSamples struct {
	s []lsample
	i int
}

func (s *sliceSamples) Next() bool         { s.i++; return s.i <= len(s.s) }
func (s *sliceSamples) At() iter.Sample    { return s.s[s.i-1].s }
func (s *sliceSamples) Labels() string     { return s.s[s.i-1].lbls }
func (s *sliceSamples) StreamHash() uint64 { return 7 }
func (s *sliceSamples) Err() error         { return nil }
func (s *sliceSamples) Close() error       { return nil }

func TestBucketIterator(t *testing.T) {
	smp := func(l string, ts int64, v float64, h uint64) lsample {
		return lsample{l, iter.Sample{Timestamp: ts, Value: v, Hash: h}}
	}
	bk := func(l string, ts int64, v float64) lsample { return smp(l, ts, v, BucketHash) }
	g := BucketGrid{Width: 10, Anchor: 0}
	for _, c := range []struct {
		name string
		in   []lsample
		cut  int64
		want []lsample
	}{
		{"empty", nil, NoCut, nil},
		{"one", []lsample{smp("a", 5, 1, 1)}, NoCut, []lsample{bk("a", 10, 1)}},
		{"on the grid point", []lsample{smp("a", 10, 1, 1), smp("a", 11, 2, 2)}, NoCut,
			[]lsample{bk("a", 10, 1), bk("a", 20, 2)}},
		{"sums per series in order of appearance",
			[]lsample{smp("b", 1, 1, 1), smp("a", 2, 3, 2), smp("b", 3, 1, 3), smp("a", 25, 4, 4)}, NoCut,
			[]lsample{bk("b", 10, 2), bk("a", 10, 3), bk("a", 30, 4)}},
		{"after the cut samples pass through",
			[]lsample{smp("a", 1, 1, 1), smp("a", 9, 1, 2), smp("a", 11, 1, 3), smp("a", 12, 1, 4)}, 10,
			[]lsample{bk("a", 10, 2), smp("a", 11, 1, 3), smp("a", 12, 1, 4)}},
		{"everything after the cut", []lsample{smp("a", 11, 1, 3)}, 10, []lsample{smp("a", 11, 1, 3)}},
		{"negative times", []lsample{smp("a", -15, 1, 1), smp("a", -11, 1, 2), smp("a", -10, 1, 3)}, NoCut,
			[]lsample{bk("a", -10, 3)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			it := NewBucketIterator(&sliceSamples{s: c.in}, g, c.cut)
			var got []lsample
			for it.Next() {
				if it.StreamHash() != 7 {
					t.Fatalf("stream hash %d", it.StreamHash())
				}
				got = append(got, lsample{it.Labels(), it.At()})
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
}

func TestBucketIteratorManySeries(t *testing.T) {
	var in []lsample
	for i := range 50 {
		in = append(in, lsample{string(rune('A' + i%20)), iter.Sample{Timestamp: int64(i + 1), Value: 1}})
	}
	it := NewBucketIterator(&sliceSamples{s: in}, BucketGrid{Width: 100}, NoCut)
	sum, n := 0.0, 0
	for it.Next() {
		sum += it.At().Value
		n++
	}
	if n != 20 || sum != 50 {
		t.Fatalf("got %d series summing %v, want 20 and 50", n, sum)
	}
}
