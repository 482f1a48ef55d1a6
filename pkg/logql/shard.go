package logql

import (
	"fmt"

	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// ShardPlan runs a metric query as per-shard parts and merges them into the answer of the
// whole query. Obtain one from PlanShards, run every query of Queries once per shard (with
// Params.Shards set to that shard and otherwise the original Params), then call Merge.
type ShardPlan struct {
	// Queries are the per-shard queries; results[q][s] passed to Merge is query q on shard s.
	Queries []string
	instant bool
	t       int64
	merge   func(parts []stepMap) stepMap
}

// shardableRange reports whether each series of e comes from exactly one stream, so that
// shards (disjoint sets of streams) produce disjoint series: the range aggregation does not
// regroup, and no stage rewrites stream labels.
func shardableRange(e syntax.MetricExpr) (*syntax.RangeAggregationExpr, bool) {
	ra, ok := e.(*syntax.RangeAggregationExpr)
	if !ok || ra.Grouping != nil {
		return nil, false
	}
	switch ra.Op {
	case syntax.OpAbsentOverTime:
		return nil, false
	}
	for _, st := range ra.Left.Left.Stages {
		switch st.(type) {
		case *syntax.LabelFormatStage, *syntax.DropStage, *syntax.KeepStage:
			return nil, false
		}
	}
	return ra, true
}

// PlanShards returns how to shard q for p, or nil when q is not shardable and must run whole.
// Shardable: a range aggregation on its own (shards' series are concatenated), and sum, count,
// min, max, avg (as sum/count), topk and bottomk directly over one.
func PlanShards(q string, p Params) (*ShardPlan, error) {
	expr, err := syntax.ParseMetricExpr(q)
	if err != nil {
		return nil, err
	}
	sp := &ShardPlan{instant: p.Instant(), t: p.Start}
	if _, ok := shardableRange(expr); ok {
		sp.Queries = []string{expr.String()}
		sp.merge = func(parts []stepMap) stepMap { return parts[0] }
		return sp, nil
	}
	va, ok := expr.(*syntax.VectorAggregationExpr)
	if !ok {
		return nil, nil
	}
	if _, ok := shardableRange(va.Left); !ok {
		return nil, nil
	}
	switch va.Op {
	case syntax.OpSum, syntax.OpMin, syntax.OpMax:
		f := regroupAgg(va)
		sp.Queries = []string{va.String()}
		sp.merge = func(parts []stepMap) stepMap { return f(parts[0]) }
	case syntax.OpTopK, syntax.OpBottomK:
		// The k best of the union are among the shards' k best, group by group.
		sp.Queries = []string{va.String()}
		sp.merge = func(parts []stepMap) stepMap {
			out := stepMap{}
			for t, vec := range parts[0] {
				out[t] = aggregateVector(va, vec)
			}
			return out
		}
	case syntax.OpCount:
		sum := &syntax.VectorAggregationExpr{Op: syntax.OpSum, Grouping: va.Grouping, Left: va.Left}
		f := regroupAgg(sum)
		sp.Queries = []string{va.String()}
		sp.merge = func(parts []stepMap) stepMap { return f(parts[0]) }
	case syntax.OpAvg:
		sum := &syntax.VectorAggregationExpr{Op: syntax.OpSum, Grouping: va.Grouping, Left: va.Left}
		cnt := &syntax.VectorAggregationExpr{Op: syntax.OpCount, Grouping: va.Grouping, Left: va.Left}
		fs := regroupAgg(sum)
		sp.Queries = []string{sum.String(), cnt.String()}
		sp.merge = func(parts []stepMap) stepMap {
			sums, cnts := fs(parts[0]), fs(parts[1])
			out := stepMap{}
			for t, vec := range sums {
				c := map[string]float64{}
				for _, s := range cnts[t] {
					c[keyOf(s.lbls)] = s.v
				}
				for _, s := range vec {
					out[t] = append(out[t], promSample{lbls: s.lbls, v: s.v / c[keyOf(s.lbls)]})
				}
			}
			return out
		}
	default:
		return nil, nil
	}
	return sp, nil
}

// regroupAgg re-applies a sum/min/max to parts whose labels are already the groups: group by
// the full label set.
func regroupAgg(va *syntax.VectorAggregationExpr) func(stepMap) stepMap {
	return func(m stepMap) stepMap {
		out := stepMap{}
		for t, vec := range m {
			groups := map[string]int{}
			var res []promSample
			for _, s := range vec {
				k := keyOf(s.lbls)
				i, ok := groups[k]
				if !ok {
					groups[k] = len(res)
					res = append(res, s)
					continue
				}
				switch va.Op {
				case syntax.OpSum:
					res[i].v += s.v
				case syntax.OpMin:
					if s.v < res[i].v {
						res[i].v = s.v
					}
				case syntax.OpMax:
					if s.v > res[i].v {
						res[i].v = s.v
					}
				}
			}
			out[t] = res
		}
		return out
	}
}

// Merge combines results[q][s] (query q of Queries on shard s) into the whole query's result.
func (sp *ShardPlan) Merge(results [][]Result) (Result, error) {
	if len(results) != len(sp.Queries) {
		return Result{}, fmt.Errorf("merge shards: %d result sets for %d queries", len(results), len(sp.Queries))
	}
	parts := make([]stepMap, len(results))
	for q, shards := range results {
		m := stepMap{}
		for _, r := range shards {
			for t, vec := range resultSteps(r) {
				m[t] = append(m[t], vec...)
			}
		}
		parts[q] = m
	}
	return sp.merge(parts).result(sp.instant, sp.t), nil
}
