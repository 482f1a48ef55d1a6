package logql

import (
	"context"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// countingSamples yields n samples of one series, one per millisecond, without a backing slice.
type countingSamples struct {
	n, i int64
}

func (c *countingSamples) Next() bool { c.i++; return c.i <= c.n }
func (c *countingSamples) At() iter.Sample {
	return iter.Sample{Timestamp: c.i * int64(time.Millisecond), Value: 1}
}
func (c *countingSamples) Labels() string     { return `{app="a"}` }
func (c *countingSamples) StreamHash() uint64 { return 1 }
func (c *countingSamples) Err() error         { return nil }
func (c *countingSamples) Close() error       { return nil }

// A range query's memory follows one window: 200,000 samples read through a 1 s window never
// hold more than about two windows' worth.
func TestRangeWindowMemoryIsBounded(t *testing.T) {
	e, err := syntax.ParseSampleExpr(`count_over_time({app="a"}[1s])`)
	if err != nil {
		t.Fatal(err)
	}
	ra := e.(*syntax.RangeAggregationExpr)
	var steps []int64
	for s := int64(10); s <= 200; s += 10 {
		steps = append(steps, s*int64(time.Second))
	}
	ev := &evaluator{ctx: context.Background(), steps: steps}
	r := &rangeReader{it: &countingSamples{n: 200000}, byLabels: map[string]*window{}, byGroup: map[string]*window{}}
	out, err := ev.windows(ra, r, int64(time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, vec := range out {
		if len(vec) != 1 || vec[0].v != 1000 {
			t.Fatalf("step %d: %+v, want 1000 samples per window", i, vec)
		}
	}
	if c := cap(r.series[0].ts); c > 4096 {
		t.Fatalf("window buffer grew to %d samples", c)
	}
}

type unorderedSamples struct{ countingSamples }

func (u *unorderedSamples) At() iter.Sample {
	return iter.Sample{Timestamp: (u.n - u.i) * int64(time.Millisecond), Value: 1}
}

func TestRangeRejectsUnorderedSource(t *testing.T) {
	e, _ := syntax.ParseSampleExpr(`count_over_time({app="a"}[1s])`)
	ev := &evaluator{ctx: context.Background(), steps: []int64{int64(time.Second)}}
	r := &rangeReader{it: &unorderedSamples{countingSamples{n: 10}}, byLabels: map[string]*window{}, byGroup: map[string]*window{}}
	if _, err := ev.windows(e.(*syntax.RangeAggregationExpr), r, int64(time.Second), 0); err == nil {
		t.Fatal("out-of-order samples accepted")
	}
}
