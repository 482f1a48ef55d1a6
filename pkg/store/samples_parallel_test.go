package store

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// TestParallelSamplesSameAsSerial runs metric queries that decode lines with streams read
// serially and in parallel (default and tiny batches, so streams span many batches) over the
// same chunks, replicas included, and requires the same samples in the same order and the same
// stats.
func TestParallelSamplesSameAsSerial(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	f := newSizeFixture(t)
	serial := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
	serial.noParallelSamples = true
	end := base + 3000*3*sec
	cases := []struct {
		q        string
		grouping *syntax.Grouping
	}{
		{`count_over_time({app=~".+"} |= "error" [1m])`, nil},
		{`count_over_time({app=~".+"} | logfmt [1m])`, &syntax.Grouping{Groups: []string{"level"}}},
		{`count_over_time({app=~".+"} | logfmt | n > 20 [5m])`, &syntax.Grouping{}},
		{`bytes_over_time({app=~".+"} | level="error" [1m])`, nil},
		{`sum_over_time({app=~".+"} | logfmt | unwrap n [1m])`, nil},
		{`count_over_time({app=~".+"} | logfmt [1m])`, nil},
		// counts-only path (line infos, no line decoded)
		{`count_over_time({app=~".+"}[1m])`, &syntax.Grouping{Groups: []string{"level"}}},
		{`bytes_over_time({app=~".+"}[1m])`, nil},
	}
	for _, batch := range []int{0, 7} {
		par := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
		par.sampleBatch = batch
		for _, c := range cases {
			expr, err := syntax.ParseSampleExpr(c.q)
			if err != nil {
				t.Fatal(err)
			}
			if c.grouping != nil {
				expr.(*syntax.RangeAggregationExpr).Grouping = c.grouping
			}
			for _, rng := range [][2]int64{{base, end}, {base + 1000*sec, base + 4000*sec}} {
				name := fmt.Sprintf("batch %d: %s [%d,%d)", batch, expr, rng[0]-base, rng[1]-base)
				want, wst := selectSamples(t, serial, expr, rng[0], rng[1])
				got, gst := selectSamples(t, par, expr, rng[0], rng[1])
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
				if gst.TotalDuplicates != wst.TotalDuplicates || gst.DecompressedLines != wst.DecompressedLines || gst.DecompressedBytes != wst.DecompressedBytes || gst.TotalChunksRef != wst.TotalChunksRef {
					t.Fatalf("%s: stats %+v, want %+v", name, gst, wst)
				}
			}
		}
	}
}

// TestParallelSamplesUsedAndStoppable checks that a multi-stream pipeline query takes the
// parallel path, and that closing it early or cancelling its context mid-way ends it cleanly
// (run with -race: workers and the consumer share the streams' iterators).
func TestParallelSamplesUsedAndStoppable(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	f := newSizeFixture(t)
	r := newTestReader(t, f.bkt, Config{CacheBytes: 64 << 20})
	r.sampleBatch = 5
	expr, err := syntax.ParseSampleExpr(`count_over_time({app=~".+"} | logfmt [1m])`)
	if err != nil {
		t.Fatal(err)
	}
	for _, cancelIt := range []bool{false, true} {
		ctx, cancel := context.WithCancel(tctx("t1"))
		it, err := r.SelectSamples(ctx, logql.SelectSampleParams{Expr: expr, Start: base, End: base + 3000*3*sec})
		if err != nil {
			t.Fatal(err)
		}
		if it.(*sampleResult).pool == nil {
			t.Fatal("parallel path not used")
		}
		for i := 0; i < 50 && it.Next(); i++ {
		}
		if st := it.(iter.StatsReporter).Stats(); st.DecompressedLines == 0 {
			t.Fatalf("stats mid-way %+v", st)
		}
		if cancelIt {
			cancel()
			for it.Next() {
			}
		}
		if err := it.Close(); err != nil && !cancelIt {
			t.Fatal(err)
		}
		cancel()
	}
}
