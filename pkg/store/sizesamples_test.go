package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cespare/xxhash/v2"
	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/proto/querierpb"
)

type labelledSample struct {
	lbls   string
	stream uint64
	s      iter.Sample
}

// newSizeFixture writes streams made to trip a counts-only path: structured metadata that
// overrides a stream label (level) and adds others, several lines at one timestamp in no
// particular order, and replicas of a stream whose
// overlapping chunks were cut at other points by two writers, besides one stream a single
// writer flushed.
func newSizeFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{bkt: newBucket(t), streams: map[string][]iter.Entry{}, lbls: map[string]labels.Labels{}}
	w1 := NewWriter(f.bkt, WriterConfig{WriterID: "ing-1"}, nil)
	w2 := NewWriter(f.bkt, WriterConfig{WriterID: "ing-2"}, nil)
	r := rand.New(rand.NewPCG(5, 6))
	for si, ls := range []labels.Labels{
		labels.FromStrings("app", "api", "env", "prod", "level", "info"),
		labels.FromStrings("app", "web", "env", "prod"),
		labels.FromStrings("app", "db", "env", "dev", "level", "debug"),
	} {
		var es []iter.Entry
		ts := base
		for i := 0; i < 3000; i++ {
			if r.IntN(4) != 0 { // a quarter of the entries share the previous one's timestamp
				ts += int64(r.IntN(3000)) * 1e6
			}
			line := fmt.Sprintf("level=%s msg=%q n=%d i=%d trace=%016x%016x%016x", []string{"info", "warn", "error"}[r.IntN(3)], "request", r.IntN(50)*(1+si), i, r.Uint64(), r.Uint64(), r.Uint64())
			e := iter.Entry{Timestamp: ts, Line: line}
			switch r.IntN(6) {
			case 0:
				e.StructuredMetadata = labels.FromStrings("level", "error", "trace_id", fmt.Sprintf("t%d", r.IntN(5)))
			case 1:
				e.StructuredMetadata = labels.FromStrings("pod", "p1")
			}
			es = append(es, e)
		}
		if err := w1.WriteChunks(ctx, "t1", cutHashed(t, ls, es, 500)); err != nil {
			t.Fatal(err)
		}
		if si != 1 {
			if err := w2.WriteChunks(ctx, "t1", cutHashed(t, ls, es, 700)); err != nil {
				t.Fatal(err)
			}
		}
		f.streams[ls.String()] = es
		f.lbls[ls.String()] = ls
	}
	return f
}

func selectSamples(t *testing.T, r *Reader, expr syntax.SampleExpr, start, end int64) ([]labelledSample, *querierpb.QueryStats) {
	t.Helper()
	it, err := r.SelectSamples(tctx("t1"), logql.SelectSampleParams{Expr: expr, Start: start, End: end})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var out []labelledSample
	for it.Next() {
		out = append(out, labelledSample{lbls: it.Labels(), stream: it.StreamHash(), s: it.At()})
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out, it.(iter.StatsReporter).Stats()
}

// TestSizeFastPathSameSamples runs metric queries with the counts-only path forced off and on
// over the same chunks and requires the same samples, in the same order: labels (grouping,
// structured metadata), stream, timestamps, values and hashes, and the same duplicate count.
func TestSizeFastPathSameSamples(t *testing.T) {
	f := newSizeFixture(t)
	slow := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
	slow.noSizeFastPath = true
	fast := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
	end := base + 3000*3*sec
	cases := []struct {
		q        string
		grouping *syntax.Grouping
		fast     bool // the counts-only path applies
	}{
		{`count_over_time({app=~".+"}[1m])`, nil, true},
		{`count_over_time({app=~".+"}[1m])`, &syntax.Grouping{Groups: []string{"level"}}, true},
		{`rate({env="prod"}[5m])`, &syntax.Grouping{}, true},
		{`bytes_over_time({app=~".+"}[1m])`, nil, true},
		{`bytes_rate({app=~"api|db"}[1m])`, &syntax.Grouping{Without: true, Groups: []string{"app", "trace_id"}}, true},
		{`absent_over_time({app="web"}[1m])`, nil, true},
		{`count_over_time({app=~".+"} |= "error" [1m])`, nil, false},
		{`count_over_time({app=~".+"} | logfmt [1m])`, &syntax.Grouping{Groups: []string{"level"}}, false},
		{`bytes_over_time({app=~".+"} | level="error" [1m])`, nil, false},
		{`sum_over_time({app=~".+"} | logfmt | unwrap n [1m])`, nil, false},
	}
	for _, c := range cases {
		expr, err := syntax.ParseSampleExpr(c.q)
		if err != nil {
			t.Fatal(err)
		}
		if c.grouping != nil {
			expr.(*syntax.RangeAggregationExpr).Grouping = c.grouping
		}
		for _, rng := range [][2]int64{{base, end}, {base + 1000*sec, base + 4000*sec}} {
			want, wst := selectSamples(t, slow, expr, rng[0], rng[1])
			got, gst := selectSamples(t, fast, expr, rng[0], rng[1])
			name := fmt.Sprintf("%s [%d,%d)", expr, rng[0]-base, rng[1]-base)
			if len(want) == 0 {
				t.Fatalf("%s: no samples", name)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d samples, want %d", name, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s: sample %d is %+v, want %+v", name, i, got[i], want[i])
				}
			}
			// Every query but the one over app=web (one writer) reads replicas.
			if gst.TotalDuplicates != wst.TotalDuplicates || (wst.TotalDuplicates == 0) != strings.Contains(c.q, `app="web"`) {
				t.Fatalf("%s: duplicates %d, want %d (> 0)", name, gst.TotalDuplicates, wst.TotalDuplicates)
			}
			usedFast := gst.DecompressedBytes*3 < wst.DecompressedBytes
			if usedFast != c.fast {
				t.Fatalf("%s: decompressed %d bytes, %d without the fast path: fast path used %v, want %v", name, gst.DecompressedBytes, wst.DecompressedBytes, usedFast, c.fast)
			}
		}
	}
}

// TestSizeFastPathExactReplicaDedup checks the samples against the entries written: every
// entry once per stream however its replicas were cut, with the line's xxhash64.
func TestSizeFastPathExactReplicaDedup(t *testing.T) {
	f := newSizeFixture(t)
	expr, err := syntax.ParseSampleExpr(`bytes_over_time({app=~".+"}[1m])`)
	if err != nil {
		t.Fatal(err)
	}
	for _, noFast := range []bool{true, false} {
		r := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
		r.noSizeFastPath = noFast
		got, _ := selectSamples(t, r, expr, base, base+3000*3*sec)
		type key struct {
			ts   int64
			hash uint64
			val  float64
		}
		seen := map[key]int{}
		for _, s := range got {
			seen[key{s.s.Timestamp, s.s.Hash, s.s.Value}]++
		}
		want := map[key]int{}
		for _, es := range f.streams {
			for _, e := range es {
				want[key{e.Timestamp, xxhash.Sum64String(e.Line), float64(len(e.Line))}]++
			}
		}
		if len(seen) != len(want) {
			t.Fatalf("noFast=%v: %d distinct samples, want %d", noFast, len(seen), len(want))
		}
		for k, n := range want {
			if seen[k] != n {
				t.Fatalf("noFast=%v: sample %+v seen %d times, want %d", noFast, k, seen[k], n)
			}
		}
	}
}

// cutHashed cuts chunks that store line hashes (chunk.Options.LineHashes), as a replicated
// cluster writes them, so that counts over replicas read no lines.
func cutHashed(t *testing.T, ls labels.Labels, es []iter.Entry, per int) []FlushedChunk {
	t.Helper()
	var out []FlushedChunk
	for i := 0; i < len(es); i += per {
		fc, err := BuildChunk(ls, es[i:min(i+per, len(es))], chunk.Options{BlockSize: 8 << 10, LineHashes: true})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fc)
	}
	return out
}

// TestSummedCountsReadNoLines: counts summed per step over chunks without line hashes (the
// default) read timestamps, lengths and metadata, and lines only where chunks overlap.
func TestSummedCountsReadNoLines(t *testing.T) {
	f := newFixture(t) // app=api has a second writer's overlapping replica; web and db do not
	r := newTestReader(t, f.bkt, Config{})
	for _, c := range []struct {
		q         string
		readLines bool
	}{
		{`count_over_time({app="web"}[1m])`, false},
		{`bytes_over_time({app=~"web|db"}[1m])`, false},
		{`count_over_time({app="api"}[1m])`, true},
	} {
		expr, err := syntax.ParseSampleExpr(c.q)
		if err != nil {
			t.Fatal(err)
		}
		p := logql.SelectSampleParams{Expr: expr, Start: base, End: base + 7200*sec, Buckets: logql.BucketGrid{Width: 60 * sec, Anchor: base}}
		it, err := r.SelectSamples(tctx("t1"), p)
		if err != nil {
			t.Fatal(err)
		}
		var total float64
		for it.Next() {
			total += it.At().Value
		}
		st := it.(iter.StatsReporter).Stats()
		if err := it.Close(); err != nil || it.Err() != nil {
			t.Fatal(err, it.Err())
		}
		if total == 0 {
			t.Fatalf("%s: nothing counted", c.q)
		}
		// Timestamps and lengths are a few bytes per entry; lines are ~60.
		read := st.DecompressedBytes / max(st.DecompressedLines, 1)
		if (read > 20) != c.readLines {
			t.Errorf("%s: %d bytes decompressed per entry (%d entries), read lines: want %v", c.q, read, st.DecompressedLines, c.readLines)
		}
	}
}
