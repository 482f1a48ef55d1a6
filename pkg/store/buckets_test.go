package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
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
