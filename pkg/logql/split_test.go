package logql_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/logqltest"
)

// randomData is a deterministic data set of many streams for split and shard equivalence.
func randomData(streams, perStream int) *logqltest.Querier {
	r := rand.New(rand.NewPCG(1, 2))
	levels := []string{"info", "warn", "error"}
	var ss []logqltest.Stream
	for i := 0; i < streams; i++ {
		ls := labels.FromStrings("app", fmt.Sprintf("app%d", i%3), "pod", fmt.Sprintf("pod-%d", i), "level", levels[i%3])
		var es []iter.Entry
		for j := 0; j < perStream; j++ {
			ts := r.Int64N(600) * sec
			es = append(es, iter.Entry{Timestamp: ts, Line: fmt.Sprintf("level=%s status=%d latency=%dms msg=m%d", levels[r.IntN(3)], 200+100*r.IntN(4), r.IntN(500), j)})
		}
		ss = append(ss, logqltest.Stream{Labels: ls, Entries: es})
	}
	return logqltest.NewQuerier(ss...)
}

func approxEqualResults(a, b logql.Result) bool {
	if a.Type != b.Type {
		return false
	}
	na, nb := logqltest.Points(a), logqltest.Points(b)
	if len(na) != len(nb) {
		return false
	}
	for k, v := range na {
		w, ok := nb[k]
		if !ok || math.Abs(v-w) > 1e-9*math.Max(1, math.Abs(v)) {
			return false
		}
	}
	return true
}

var splitQueries = []string{
	`count_over_time({app="app1"}[1m])`,
	`sum(count_over_time({app=~"app.*"}[1m]))`,
	`sum by (level) (rate({app=~"app.*"} |= "status=500" [2m]))`,
	`count by (app) (bytes_over_time({app=~"app.*"}[1m]))`,
	`avg by (app) (count_over_time({app=~"app.*"} | logfmt | status >= 400 [1m]))`,
	`max by (app, level) (sum_over_time({app=~"app.*"} | logfmt | unwrap duration(latency) [1m]))`,
	`min by (level) (max_over_time({app=~"app.*"} | logfmt | unwrap duration(latency) [90s]))`,
	`topk(3, count_over_time({app=~"app.*"}[1m]))`,
	`bottomk by (app) (2, bytes_rate({app=~"app.*"}[1m]))`,
	`sum by (app) (count_over_time({app=~"app.*"}[1m])) / 2`,
	`sum by (level) (rate({app=~"app.*"} |= "status=500" [1m])) / ignoring (level) group_left sum(rate({app=~"app.*"}[1m]))`,
	`topk(2, sum by (app) (count_over_time({app=~"app.*"}[1m])))`,
	`stddev by (app) (count_over_time({app=~"app.*"}[1m]))`,
	`label_replace(max by (app) (bytes_over_time({app=~"app.*"}[2m])), "x", "$1", "app", "app(.)") > 1000`,
	`count_over_time({app="app2"} |= "status=200" [1m]) > 3 or vector(1)`,
	`sort_desc(avg without (pod) (count_over_time({app=~"app.*"}[1m])))`,
}

// splitUnshardable must run whole.
var splitUnshardable = []string{
	`sum by (service) (count_over_time({app=~"app.*"} | label_format service=app [1m]))`,
	`sum(count_over_time({app=~"app.*"} | keep level [1m])) + sum(count_over_time({app="app1"}[1m]))`,
	`absent_over_time({app="nope"}[1m])`,
	`vector(1) + 2`,
}

func TestShardAndTimeSplitEquivalence(t *testing.T) {
	q := randomData(30, 120)
	eng := logql.NewEngine(logql.EngineOpts{}, q, nil)
	ctx := context.Background()
	params := []logql.Params{
		{Start: 300 * sec, End: 300 * sec},
		{Start: 60 * sec, End: 590 * sec, Step: 30 * time.Second},
	}
	for _, query := range splitQueries {
		for _, p := range params {
			p.Query = query
			whole, err := eng.Exec(ctx, p)
			if err != nil {
				t.Fatalf("%s: %v", query, err)
			}
			// Stream shards.
			plan, err := logql.PlanShards(query, p, logql.EngineOpts{})
			if err != nil {
				t.Fatal(err)
			}
			if plan != nil {
				const n = 4
				results := make([][]logql.Result, len(plan.Queries))
				for qi, sq := range plan.Queries {
					for s := uint32(0); s < n; s++ {
						sp := p
						sp.Query, sp.Shards = sq, []logql.Shard{{Index: s, Of: n}}
						r, err := eng.Exec(ctx, sp)
						if err != nil {
							t.Fatalf("%s shard %d: %v", sq, s, err)
						}
						results[qi] = append(results[qi], r)
					}
				}
				merged, err := plan.Merge(results)
				if err != nil {
					t.Fatal(err)
				}
				if !approxEqualResults(whole, merged) {
					t.Errorf("%s %+v: sharded result differs\nwhole  %+v\nmerged %+v", query, p, whole, merged)
				}
			} else {
				t.Errorf("%s: not shardable", query)
			}
			// Time splits, range queries only.
			if !p.Instant() {
				var parts []logql.Matrix
				for _, piece := range logql.SplitByTime(p, 2*time.Minute, true) {
					r, err := eng.Exec(ctx, piece)
					if err != nil {
						t.Fatal(err)
					}
					parts = append(parts, r.Matrix)
				}
				if len(parts) < 2 {
					t.Fatalf("no split happened")
				}
				merged := logql.Result{Type: logql.ValueMatrix, Matrix: logql.MergeMatrices(parts...)}
				if !approxEqualResults(merged, whole) {
					t.Errorf("%s: time-split result differs", query)
				}
			}
		}
	}
}

func TestPlanShardsRefuses(t *testing.T) {
	for _, q := range splitUnshardable {
		plan, err := logql.PlanShards(q, logql.Params{Start: sec, End: sec}, logql.EngineOpts{})
		if err != nil || plan != nil {
			t.Errorf("%s: plan %v, err %v; want no plan", q, plan, err)
		}
	}
}

func TestLogQuerySplitEquivalence(t *testing.T) {
	q := randomData(12, 50)
	eng := logql.NewEngine(logql.EngineOpts{}, q, nil)
	ctx := context.Background()
	for _, dir := range []iter.Direction{iter.Forward, iter.Backward} {
		for _, limit := range []uint32{7, 100, 1000} {
			p := logql.Params{Query: `{app=~"app[01]"} |= "status=500"`, Start: 30 * sec, End: 500 * sec, Step: time.Second, Limit: limit, Direction: dir}
			whole, err := eng.Exec(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			var byTime, byShard []logql.Streams
			for _, piece := range logql.SplitByTime(p, time.Minute, false) {
				r, err := eng.Exec(ctx, piece)
				if err != nil {
					t.Fatal(err)
				}
				byTime = append(byTime, r.Streams)
			}
			for s := uint32(0); s < 3; s++ {
				sp := p
				sp.Shards = []logql.Shard{{Index: s, Of: 3}}
				r, err := eng.Exec(ctx, sp)
				if err != nil {
					t.Fatal(err)
				}
				byShard = append(byShard, r.Streams)
			}
			for name, parts := range map[string][]logql.Streams{"time": byTime, "shard": byShard} {
				merged := logql.MergeStreams(parts, dir, limit)
				if !reflect.DeepEqual(flatten(merged), flatten(whole.Streams)) {
					t.Errorf("dir %d limit %d by %s: merged %d entries, whole %d", dir, limit, name, len(flatten(merged)), len(flatten(whole.Streams)))
				}
			}
		}
	}
}

// Two streams that a pipeline maps to the same labels keep their equal lines through a merge.
func TestMergeStreamsKeepsEqualLines(t *testing.T) {
	q := logqltest.NewQuerier(
		logqltest.Stream{Labels: labels.FromStrings("app", "a", "pod", "1"), Entries: []iter.Entry{{Timestamp: sec, Line: "same"}}},
		logqltest.Stream{Labels: labels.FromStrings("app", "a", "pod", "2"), Entries: []iter.Entry{{Timestamp: sec, Line: "same"}}},
	)
	eng := logql.NewEngine(logql.EngineOpts{}, q, nil)
	p := logql.Params{Query: `{app="a"} | keep app`, Start: 0, End: 10 * sec, Step: time.Second, Limit: 10}
	whole, err := eng.Exec(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(whole.Streams[0].Entries); n != 2 {
		t.Fatalf("whole query: %d entries, want 2", n)
	}
	merged := logql.MergeStreams([]logql.Streams{whole.Streams}, iter.Forward, 10)
	if n := len(merged[0].Entries); n != 2 {
		t.Fatalf("merged: %d entries, want 2", n)
	}
}

func flatten(ss logql.Streams) []string {
	var out []string
	for _, s := range ss {
		for _, e := range s.Entries {
			out = append(out, fmt.Sprintf("%s %d %s", s.Labels, e.Timestamp, e.Line))
		}
	}
	sort.Strings(out)
	return out
}
