package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// benchStore writes 20 streams of 1 h of flog-like JSON lines (~32 MB raw) into a filesystem
// bucket and returns a reader over it, with the raw byte count.
func benchStore(b *testing.B, cacheBytes int64) (*Reader, int64) {
	b.Helper()
	bkt, err := newBucketDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	w := NewWriter(bkt, WriterConfig{WriterID: "bench"}, nil)
	r := rand.New(rand.NewPCG(1, 2))
	var raw int64
	levels := []string{"info", "warn", "error", "debug"}
	for s := 0; s < 20; s++ {
		ls := labels.FromStrings("app", fmt.Sprintf("app-%d", s), "env", "prod")
		var es []iter.Entry
		for i := 0; i < 36000; i++ {
			line := fmt.Sprintf(`{"host":"%d.%d.%d.%d","user":"user%d","method":"GET","request":"/api/v1/items/%d","status":%d,"bytes":%d,"level":"%s","trace_id":"%016x"}`,
				r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(5000), r.IntN(100000),
				[]int{200, 200, 201, 404, 500}[r.IntN(5)], r.IntN(50000), levels[r.IntN(4)], r.Uint64())
			// The distributor adds detected_level to every entry (Loki's discover_log_levels).
			lvl := levels[r.IntN(4)]
			es = append(es, iter.Entry{Timestamp: base + int64(i)*sec/10, Line: line, StructuredMetadata: labels.FromStrings("detected_level", lvl)})
			raw += int64(len(line))
		}
		var fcs []FlushedChunk
		for i := 0; i < len(es); i += 6000 {
			fc, err := BuildChunk(ls, es[i:min(i+6000, len(es))], chunk.Options{})
			if err != nil {
				b.Fatal(err)
			}
			fcs = append(fcs, fc)
		}
		if err := w.WriteChunks(context.Background(), "t1", fcs); err != nil {
			b.Fatal(err)
		}
	}
	rd, err := NewReader(bkt, Config{CacheBytes: cacheBytes}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return rd, raw
}

// BenchmarkNeedleCold searches with an empty chunk cache every time: directories and matching
// blocks are read by range from the (filesystem) bucket.
func BenchmarkNeedleCold(b *testing.B) {
	warm, raw := benchStore(b, 1<<30)
	sel, err := syntax.ParseLogSelector(`{env="prod"} |= "f00dfeedcafe"`, true)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(raw)
	for b.Loop() {
		rd, err := NewReader(warm.bkt, Config{CacheBytes: 1 << 30}, nil)
		if err != nil {
			b.Fatal(err)
		}
		it, err := rd.SelectLogs(tctx("t1"), logql.SelectLogParams{Selector: sel, Start: base, End: base + 3600*sec, Limit: 1000, Direction: iter.Backward})
		if err != nil {
			b.Fatal(err)
		}
		for it.Next() {
		}
		if it.Err() != nil {
			b.Fatal(it.Err())
		}
		it.Close()
	}
}

func BenchmarkSelectLogs(b *testing.B) {
	rd, raw := benchStore(b, 1<<30)
	cases := []struct {
		name, q    string
		start, end int64
		limit      uint32
		dir        iter.Direction
	}{
		{"needle", `{env="prod"} |= "f00dfeedcafe"`, base, base + 3600*sec, 1000, iter.Backward},
		{"filter_all", `{env="prod"} |= "user42"`, base, base + 3600*sec, 0, iter.Forward},
		{"recent_limit", `{app="app-3"}`, base + 3300*sec, base + 3600*sec, 1000, iter.Backward},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			sel, err := syntax.ParseLogSelector(c.q, true)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(raw)
			for b.Loop() {
				it, err := rd.SelectLogs(tctx("t1"), logql.SelectLogParams{Selector: sel, Start: c.start, End: c.end, Limit: c.limit, Direction: c.dir})
				if err != nil {
					b.Fatal(err)
				}
				for it.Next() {
				}
				if it.Err() != nil {
					b.Fatal(it.Err())
				}
				it.Close()
			}
		})
	}
}

func BenchmarkSelectSamples(b *testing.B) {
	rd, raw := benchStore(b, 1<<30)
	for _, q := range []string{
		`count_over_time({env="prod"}[1m])`,
		`count_over_time({env="prod"} | json | status >= 500 [5m])`,
	} {
		b.Run(q, func(b *testing.B) {
			expr, err := syntax.ParseSampleExpr(q)
			if err != nil {
				b.Fatal(err)
			}
			benchSelectSamples(b, rd, expr, raw)
		})
	}
	// sum(count_over_time(…)): the engine pushes `by ()` into the range aggregation, which
	// turns on the parser hints (only `status` is extracted).
	q := `count_over_time({env="prod"} | json | status >= 500 [5m])`
	b.Run("sum("+q+")", func(b *testing.B) {
		expr, err := syntax.ParseSampleExpr(q)
		if err != nil {
			b.Fatal(err)
		}
		ra, ok := expr.(*syntax.RangeAggregationExpr)
		if !ok {
			b.Fatalf("%T is no range aggregation", expr)
		}
		pushed := *ra
		pushed.Grouping = &syntax.Grouping{}
		benchSelectSamples(b, rd, &pushed, raw)
	})
}

// benchSelectSamples runs expr with streams read in parallel and serially.
func benchSelectSamples(b *testing.B, rd *Reader, expr syntax.SampleExpr, raw int64) {
	for _, serial := range []bool{false, true} {
		name := "parallel"
		if serial {
			name = "serial"
		}
		b.Run(name, func(b *testing.B) {
			rd.noParallelSamples = serial
			defer func() { rd.noParallelSamples = false }()
			benchSelectSamplesOnce(b, rd, expr, raw)
		})
	}
}

func benchSelectSamplesOnce(b *testing.B, rd *Reader, expr syntax.SampleExpr, raw int64) {
	b.SetBytes(raw)
	for b.Loop() {
		it, err := rd.SelectSamples(tctx("t1"), logql.SelectSampleParams{Expr: expr, Start: base, End: base + 3600*sec})
		if err != nil {
			b.Fatal(err)
		}
		for it.Next() {
		}
		if it.Err() != nil {
			b.Fatal(it.Err())
		}
		it.Close()
	}
}
