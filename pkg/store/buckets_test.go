package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/logqltest"
)

// noBuckets is the reader as a source that cannot sum per step.
type noBuckets struct{ *Reader }

func (n noBuckets) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	p.Buckets, p.SingleFrom = logql.BucketGrid{}, nil
	return n.Reader.SelectSamples(ctx, p)
}

// Summing per step in the store (over replicas' overlapping chunks, structured metadata, line
// filters and parsers) gives the very answers that single samples give.
func TestBucketsGiveSameAnswers(t *testing.T) {
	f := newFixture(t)
	r := newTestReader(t, f.bkt, Config{})
	single := logql.NewEngine(logql.EngineOpts{}, noBuckets{r}, nil)
	summed := logql.NewEngine(logql.EngineOpts{}, r, nil)
	for _, q := range []string{
		`sum by (app) (count_over_time({env=~".+"}[%s]))`,
		`count_over_time({app="api"}[%s])`,
		`sum(rate({env="prod"} |= "error" [%s]))`,
		`sum by (trace_id) (bytes_over_time({app="api"}[%s]))`,
		`sum by (level) (count_over_time({env=~".+"} | logfmt [%s]))`,
	} {
		for _, sh := range []struct{ step, rng time.Duration }{
			{time.Minute, time.Minute}, {5 * time.Minute, 15 * time.Minute}, {7 * time.Second, time.Minute}, {0, 3 * time.Hour},
		} {
			p := logql.Params{Query: fmt.Sprintf(q, sh.rng), Start: base + 60*sec, End: base + 7200*sec, Step: sh.step}
			if sh.step == 0 {
				p.Start, p.End = base+7000*sec+sec/2, base+7000*sec+sec/2
			}
			want, err := single.Exec(tctx("t1"), p)
			if err != nil {
				t.Fatalf("%s: %v", p.Query, err)
			}
			got, err := summed.Exec(tctx("t1"), p)
			if err != nil {
				t.Fatalf("%s: %v", p.Query, err)
			}
			if g, w := logqltest.Points(got), logqltest.Points(want); len(w) == 0 || fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("%s step %v: summed per step differs from single samples:\n got %v\nwant %v", p.Query, sh.step, g, w)
			}
		}
	}
}

// A run of chunks that overlap only near their ends (late entries after a cut, a retried push
// stored again) is counted block by block outside the overlap and merged inside it.
func TestBucketsOverPartlyOverlappingChunks(t *testing.T) {
	bkt := newBucket(t)
	w := NewWriter(bkt, WriterConfig{WriterID: "ing-1"}, nil)
	ls := labels.FromStrings("app", "late")
	var all []iter.Entry
	for i := int64(0); i < 3000; i++ {
		e := iter.Entry{Timestamp: base + i*sec, Line: fmt.Sprintf("level=info n=%d", i)}
		if i%7 == 0 {
			e.StructuredMetadata = labels.FromStrings("detected_level", "warn")
		}
		all = append(all, e)
	}
	// A: 0..999 and a few late ones after 1000; B: 900..1999 (copies of 900..999); C: 1990..
	a := append(append([]iter.Entry(nil), all[:1000]...), all[1000:1010]...)
	b := all[900:2000]
	c := all[1990:] // and C overlaps B in turn: one run of three
	var fcs []FlushedChunk
	for _, es := range [][]iter.Entry{a, b, c} {
		fc, err := BuildChunk(ls, es, chunk.Options{BlockSize: 4 << 10})
		if err != nil {
			t.Fatal(err)
		}
		fcs = append(fcs, fc)
	}
	if err := w.WriteChunks(context.Background(), "t1", fcs); err != nil {
		t.Fatal(err)
	}
	r := newTestReader(t, bkt, Config{})
	single := logql.NewEngine(logql.EngineOpts{}, noBuckets{r}, nil)
	summed := logql.NewEngine(logql.EngineOpts{}, r, nil)
	for _, q := range []string{`count_over_time({app="late"}[1m])`, `sum by (detected_level) (bytes_over_time({app="late"}[5m]))`} {
		p := logql.Params{Query: q, Start: base + 60*sec, End: base + 3100*sec, Step: time.Minute}
		want, err := single.Exec(tctx("t1"), p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := summed.Exec(tctx("t1"), p)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := logqltest.Points(got), logqltest.Points(want); len(w) == 0 || fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s: summed per step differs from single samples:\n got %v\nwant %v", q, g, w)
		}
	}
	// Every line once: 3000 in all.
	res, err := summed.Exec(tctx("t1"), logql.Params{Query: `sum(count_over_time({app="late"}[1h]))`, Start: base + 3599*sec + sec/2, End: base + 3599*sec + sec/2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Vector) != 1 || res.Vector[0].V != 3000 {
		t.Fatalf("total %v, want 3000", res.Vector)
	}
}
