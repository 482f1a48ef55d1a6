package logql

import (
	"context"
	"fmt"

	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// ShardPlan runs a metric query as per-shard parts and merges them into the answer of the
// whole query. Obtain one from PlanShards, run every query of Queries once per shard (with
// Params.Shards set to that shard and otherwise the original Params), then call Merge.
//
// The plan shards the leaves of the query that can be computed per stream shard — a range
// aggregation on its own, or sum, count, min, max, avg, topk or bottomk directly over one —
// and evaluates everything above them (binary operations, outer aggregations, label_replace,
// literals) once, on the merged leaves.
type ShardPlan struct {
	// Queries are the per-shard queries; results[q][s] passed to Merge is query q on shard s.
	Queries []string

	expr   syntax.MetricExpr
	leaves []shardLeaf
	params Params
	opts   EngineOpts
}

// shardLeaf is one sharded node: its per-shard queries are Queries[first:first+n].
type shardLeaf struct {
	node  syntax.MetricExpr
	first int
	n     int
	merge func(parts []stepMap) stepMap
}

// shardableRange reports whether each series of e comes from exactly one stream, so that
// shards (disjoint sets of streams) produce disjoint series: the range aggregation does not
// regroup, and no stage rewrites stream labels.
func shardableRange(e syntax.MetricExpr) (*syntax.RangeAggregationExpr, bool) {
	ra, ok := e.(*syntax.RangeAggregationExpr)
	if !ok || ra.Grouping != nil || ra.Op == syntax.OpAbsentOverTime {
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

// PlanShards returns how to shard q for p, or nil when q has a part that cannot be sharded
// (then run it whole). Limits in opts apply to the merged result as Exec applies them.
func PlanShards(q string, p Params, opts EngineOpts) (*ShardPlan, error) {
	expr, err := syntax.ParseMetricExpr(q)
	if err != nil {
		return nil, err
	}
	opts.defaults()
	sp := &ShardPlan{expr: expr, params: p, opts: opts}
	if !sp.plan(expr) || len(sp.leaves) == 0 {
		return nil, nil
	}
	return sp, nil
}

func (sp *ShardPlan) addLeaf(node syntax.MetricExpr, queries []string, merge func([]stepMap) stepMap) {
	sp.leaves = append(sp.leaves, shardLeaf{node: node, first: len(sp.Queries), n: len(queries), merge: merge})
	sp.Queries = append(sp.Queries, queries...)
}

// plan walks e, adding leaves; false when some range aggregation cannot be sharded.
func (sp *ShardPlan) plan(e syntax.MetricExpr) bool {
	switch e := e.(type) {
	case *syntax.LiteralExpr, *syntax.VectorExpr:
		return true
	case *syntax.RangeAggregationExpr:
		if _, ok := shardableRange(e); !ok {
			return false
		}
		sp.addLeaf(e, []string{e.String()}, func(parts []stepMap) stepMap { return parts[0] })
		return true
	case *syntax.BinOpExpr:
		return sp.plan(e.LHS) && sp.plan(e.RHS)
	case *syntax.LabelReplaceExpr:
		return sp.plan(e.Left)
	case *syntax.VectorAggregationExpr:
		if _, ok := shardableRange(e.Left); !ok {
			return sp.plan(e.Left)
		}
		return sp.planAggregation(e)
	}
	return false
}

// planAggregation shards a vector aggregation directly over a shardable range aggregation.
func (sp *ShardPlan) planAggregation(va *syntax.VectorAggregationExpr) bool {
	switch va.Op {
	case syntax.OpSum, syntax.OpMin, syntax.OpMax:
		f := regroupAgg(va.Op)
		sp.addLeaf(va, []string{va.String()}, func(parts []stepMap) stepMap { return f(parts[0]) })
	case syntax.OpCount:
		// Each shard counts its own series; the counts add up.
		f := regroupAgg(syntax.OpSum)
		sp.addLeaf(va, []string{va.String()}, func(parts []stepMap) stepMap { return f(parts[0]) })
	case syntax.OpTopK, syntax.OpBottomK:
		// The k best of the union are among the shards' k best, group by group.
		sp.addLeaf(va, []string{va.String()}, func(parts []stepMap) stepMap {
			out := stepMap{}
			for t, vec := range parts[0] {
				out[t] = aggregateVector(va, vec)
			}
			return out
		})
	case syntax.OpAvg:
		sum := &syntax.VectorAggregationExpr{Op: syntax.OpSum, Grouping: va.Grouping, Left: va.Left}
		cnt := &syntax.VectorAggregationExpr{Op: syntax.OpCount, Grouping: va.Grouping, Left: va.Left}
		fs := regroupAgg(syntax.OpSum)
		sp.addLeaf(va, []string{sum.String(), cnt.String()}, func(parts []stepMap) stepMap {
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
		})
	default:
		// stddev, stdvar, sort: shard the range aggregation, aggregate once on the merge.
		return sp.plan(va.Left.(*syntax.RangeAggregationExpr))
	}
	return true
}

// regroupAgg re-applies sum, min or max to parts whose labels are already the groups.
func regroupAgg(op string) func(stepMap) stepMap {
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
				switch op {
				case syntax.OpSum:
					res[i].v += s.v
				case syntax.OpMin:
					res[i].v = min(res[i].v, s.v)
				case syntax.OpMax:
					res[i].v = max(res[i].v, s.v)
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
	e := &Engine{opts: sp.opts}
	steps, err := e.steps(sp.params)
	if err != nil {
		return Result{}, err
	}
	ev := &evaluator{ctx: context.Background(), steps: steps, overrides: map[syntax.MetricExpr]value{}}
	for _, leaf := range sp.leaves {
		parts := make([]stepMap, leaf.n)
		for q := range parts {
			m := stepMap{}
			for _, r := range results[leaf.first+q] {
				for t, vec := range resultSteps(r) {
					m[t] = append(m[t], vec...)
				}
			}
			parts[q] = m
		}
		merged := leaf.merge(parts)
		v := value{steps: make([][]promSample, len(steps))}
		for i, t := range steps {
			v.steps[i] = merged[t]
		}
		ev.overrides[leaf.node] = v
	}
	v, err := ev.eval(sp.expr)
	if err != nil {
		return Result{}, err
	}
	return e.metricResult(sp.expr, v, steps, sp.params, 0)
}
