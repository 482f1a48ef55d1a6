package ingester

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

func TestHeadSegRoundTrip(t *testing.T) {
	f := func(name string, es []iter.Entry) {
		t.Helper()
		got, err := newHeadSeg(es).entries()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(es) {
			t.Fatalf("%s: %d entries, want %d", name, len(got), len(es))
		}
		for k := range es {
			if !sameEntry(&got[k], &es[k]) {
				t.Errorf("%s: entry %d = %+v, want %+v", name, k, got[k], es[k])
			}
		}
	}
	f("one", []iter.Entry{{Timestamp: 5, Line: "x"}})
	f("empty lines", []iter.Entry{{Timestamp: 1}, {Timestamp: 1, Line: "a"}, {Timestamp: 2}})
	// Timestamps are stored as deltas: negative ones, ties and deltas wider than int64.
	f("wide timestamps", []iter.Entry{{Timestamp: -1 << 63, Line: "a"}, {Timestamp: -1}, {Timestamp: -1, Line: "b"}, {Timestamp: 1<<63 - 1, Line: "c"}})
	f("metadata", []iter.Entry{
		{Timestamp: 1, Line: "a", StructuredMetadata: labels.Labels{{Name: "trace", Value: "t1"}}},
		{Timestamp: 2, Line: "b"},
		{Timestamp: 3, Line: "c", StructuredMetadata: labels.Labels{{Name: "k", Value: ""}, {Name: "z", Value: "v"}}},
	})
	// A few repeated sets (kept once each) and, past them, more distinct ones than the
	// segment compares each entry with.
	var many []iter.Entry
	for k := range 100 {
		sm := labels.Labels{{Name: "detected_level", Value: []string{"info", "warn", "error"}[k%3]}}
		if k > 50 {
			sm = append(sm, labels.Label{Name: "trace_id", Value: fmt.Sprint(k)})
		}
		many = append(many, iter.Entry{Timestamp: int64(k), Line: fmt.Sprint("line ", k), StructuredMetadata: sm})
	}
	f("many sets", many)
	if g := newHeadSeg(many[:50]); len(g.smSets) != 3 {
		t.Errorf("%d metadata sets kept for 3 distinct ones", len(g.smSets))
	}
}

// TestHeadSegmentsKeepOrder applies random batches (out of order, with timestamp ties and
// metadata) to a stream whose head spans several compressed segments, and checks that queries
// over the head, over the cut chunk and over the encoded chunk, and the chunk's entries, are
// exactly the stable sort of the entries in arrival order: the order replay rebuilds.
func TestHeadSegmentsKeepOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := newStream(labels.Labels{{Name: "app", Value: "x"}})
	var all []iter.Entry
	pad := string(make([]byte, 180))
	for seq := uint64(1); len(all) < 4000; seq++ {
		batch := make([]iter.Entry, 1+r.IntN(60))
		for k := range batch {
			e := iter.Entry{Timestamp: int64(len(all)/3 + r.IntN(40)), Line: fmt.Sprintf("line %d %s", len(all)+k, pad)}
			if r.IntN(5) == 0 {
				e.StructuredMetadata = labels.Labels{{Name: "trace", Value: fmt.Sprint(r.IntN(9))}}
			}
			batch[k] = e
		}
		ownEntries(batch)
		s.apply(seq, batch, time.Now(), 1<<40, defaultHeadBlockSize)
		all = append(all, batch...)
	}
	if len(s.headSegs) < 2 {
		t.Fatalf("%d head segments, want several", len(s.headSegs))
	}
	want := slices.Clone(all)
	sortEntries(want)
	check := func(stage string) {
		t.Helper()
		for _, w := range []struct{ from, through int64 }{{0, 1 << 40}, {100, 700}, {650, 651}} {
			var exp []iter.Entry
			for _, e := range want {
				if e.Timestamp >= w.from && e.Timestamp < w.through {
					exp = append(exp, e)
				}
			}
			for _, dir := range []iter.Direction{iter.Forward, iter.Backward} {
				rg, err := s.rangeOf(w.from, w.through)
				if err != nil {
					t.Fatal(err)
				}
				var got []iter.Entry
				if err := rg.each(w.from, w.through, dir, nil, func(e *iter.Entry) bool { got = append(got, *e); return true }); err != nil {
					t.Fatal(err)
				}
				if dir == iter.Backward {
					slices.Reverse(got)
				}
				if !slices.EqualFunc(got, exp, func(a, b iter.Entry) bool { return sameEntry(&a, &b) }) {
					t.Fatalf("%s [%d, %d) %v: %d entries, order differs from the stable sort of %d", stage, w.from, w.through, dir, len(got), len(exp))
				}
			}
		}
	}
	check("head")
	s.mu.Lock()
	c := s.cutLocked(1)
	s.mu.Unlock()
	check("cut")
	merged, err := mergeSegs(c.segs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(merged, want, func(a, b iter.Entry) bool { return sameEntry(&a, &b) }) {
		t.Fatal("chunk entries differ from the stable sort of the arrival order")
	}
	checkDecodeSegs(t, c.segs, want)
	ing := &Ingester{chunkOpts: chunk.DefaultOptions()}
	if err := ing.encode(s, c); err != nil {
		t.Fatal(err)
	}
	check("encoded")
}

// TestDuplicateInHeadSegment: a retried entry that now lives in a compressed head segment is
// recognised.
func TestDuplicateInHeadSegment(t *testing.T) {
	s := newStream(labels.Labels{{Name: "app", Value: "x"}})
	pad := string(make([]byte, 200))
	var es []iter.Entry
	for k := range 2000 {
		es = append(es, iter.Entry{Timestamp: int64(k), Line: fmt.Sprint(k, pad)})
	}
	s.apply(1, es, time.Now(), 1<<40, defaultHeadBlockSize)
	if len(s.headSegs) == 0 {
		t.Fatal("no head segment")
	}
	in := []*logproto.EntryAdapter{entry(10, fmt.Sprint(10, pad)), entry(10, "other"), entry(1999, fmt.Sprint(1999, pad))}
	held := s.held(in, 1999, true)
	if !slices.Equal(held, []bool{true, false, true}) {
		t.Fatalf("held = %v", held)
	}
	// In order: the segments are concatenated.
	s.mu.Lock()
	c := s.cutLocked(1)
	s.mu.Unlock()
	got, err := mergeSegs(c.segs)
	if err != nil || !slices.EqualFunc(got, es, func(a, b iter.Entry) bool { return sameEntry(&a, &b) }) {
		t.Fatalf("chunk entries differ (err %v)", err)
	}
	checkDecodeSegs(t, c.segs, es)
	// A head block size of 0 keeps the head raw.
	raw := newStream(labels.Labels{{Name: "app", Value: "y"}})
	raw.apply(1, es, time.Now(), 1<<40, 0)
	if len(raw.headSegs) != 0 || len(raw.head) != len(es) {
		t.Fatalf("head block size 0: %d segments, %d raw entries", len(raw.headSegs), len(raw.head))
	}
}

// checkDecodeSegs: the encoder's decodeSegs gives mergeSegs' entries, with a fresh scratch and
// with one reused after a larger and a smaller decode.
func checkDecodeSegs(t *testing.T, segs []*headSeg, want []iter.Entry) {
	t.Helper()
	sc := &segScratch{}
	for _, run := range [][]*headSeg{segs, segs[:1], segs} {
		got, err := sc.decodeSegs(run)
		if err != nil {
			t.Fatal(err)
		}
		exp := want
		if len(run) != len(segs) {
			if exp, err = mergeSegs(run); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.EqualFunc(got, exp, func(a, b iter.Entry) bool { return sameEntry(&a, &b) }) {
			t.Fatalf("decodeSegs of %d segments differs from mergeSegs", len(run))
		}
	}
}

func FuzzHeadSegRoundTrip(f *testing.F) {
	f.Add(int64(5), "x", "", "")
	f.Add(int64(1), "a\x00b", "trace", "t1")
	f.Add(int64(-3), "", "k", "")
	f.Fuzz(func(t *testing.T, ts int64, line, smName, smValue string) {
		es := []iter.Entry{{Timestamp: ts, Line: line}, {Timestamp: ts, Line: line + line}}
		if smName != "" {
			es[1].StructuredMetadata = labels.Labels{{Name: smName, Value: smValue}}
		}
		g := newHeadSeg(es)
		got, err := g.entries()
		if err != nil {
			t.Fatal(err)
		}
		for k := range es {
			if !sameEntry(&got[k], &es[k]) {
				t.Fatalf("entry %d = %+v, want %+v", k, got[k], es[k])
			}
		}
		checkDecodeSegs(t, []*headSeg{g, g}, append(slices.Clone(es), es...))
	})
}
