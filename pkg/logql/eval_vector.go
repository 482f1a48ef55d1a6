package logql

import (
	"math"
	"sort"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

type aggGroup struct {
	lbls       labels.Labels
	sum        float64
	count      int
	min, max   float64
	mean, m2   float64
	candidates []promSample // topk/bottomk
}

func (ev *evaluator) evalVectorAgg(e *syntax.VectorAggregationExpr) (value, error) {
	operand := e.Left
	if _, merged := ev.overrides[operand]; !merged {
		operand = pushDownGrouping(e)
	}
	in, err := ev.eval(operand)
	if err != nil {
		return value{}, err
	}
	if in.scalar {
		return value{}, badRequest("%s needs a vector", e.Op)
	}
	out := make([][]promSample, len(in.steps))
	for i, vec := range in.steps {
		out[i] = aggregateVector(e, vec)
	}
	return value{steps: out}, nil
}

// aggregateVector applies one vector aggregation to one step's vector.
func aggregateVector(e *syntax.VectorAggregationExpr, vec []promSample) []promSample {
	switch e.Op {
	case syntax.OpSort, syntax.OpSortDesc:
		out := append([]promSample(nil), vec...)
		desc := e.Op == syntax.OpSortDesc
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i].v, out[j].v
			if math.IsNaN(a) || math.IsNaN(b) {
				return !math.IsNaN(a) // NaN last either way
			}
			if desc {
				return a > b
			}
			return a < b
		})
		return out
	}
	groups := map[string]*aggGroup{}
	var order []*aggGroup
	for _, s := range vec {
		gl := grouped(s.lbls, e.Grouping)
		k := keyOf(gl)
		g, ok := groups[k]
		if !ok {
			g = &aggGroup{lbls: gl, min: s.v, max: s.v}
			groups[k] = g
			order = append(order, g)
		}
		g.count++
		g.sum += s.v
		if s.v < g.min || math.IsNaN(g.min) {
			g.min = s.v
		}
		if s.v > g.max || math.IsNaN(g.max) {
			g.max = s.v
		}
		d := s.v - g.mean
		g.mean += d / float64(g.count)
		g.m2 += d * (s.v - g.mean)
		if e.Op == syntax.OpTopK || e.Op == syntax.OpBottomK {
			g.candidates = append(g.candidates, s)
		}
	}
	out := make([]promSample, 0, len(order))
	for _, g := range order {
		switch e.Op {
		case syntax.OpSum:
			out = append(out, promSample{g.lbls, g.sum})
		case syntax.OpAvg:
			out = append(out, promSample{g.lbls, g.sum / float64(g.count)})
		case syntax.OpCount:
			out = append(out, promSample{g.lbls, float64(g.count)})
		case syntax.OpMin:
			out = append(out, promSample{g.lbls, g.min})
		case syntax.OpMax:
			out = append(out, promSample{g.lbls, g.max})
		case syntax.OpStdvar:
			out = append(out, promSample{g.lbls, g.m2 / float64(g.count)})
		case syntax.OpStddev:
			out = append(out, promSample{g.lbls, math.Sqrt(g.m2 / float64(g.count))})
		case syntax.OpTopK, syntax.OpBottomK:
			out = append(out, selectK(g.candidates, e.Param, e.Op == syntax.OpTopK)...)
		default:
			panic("BUG: unknown vector aggregation " + e.Op)
		}
	}
	return out
}

// selectK returns the k largest (top) or smallest samples, in that order; ties keep the
// order of the labels, NaN ranks last.
func selectK(in []promSample, k int, top bool) []promSample {
	s := append([]promSample(nil), in...)
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i].v, s[j].v
		if math.IsNaN(a) || math.IsNaN(b) {
			return !math.IsNaN(a)
		}
		if a == b {
			// Deterministic ties, so shards and time splits pick the same series.
			return labels.Compare(s[i].lbls, s[j].lbls) < 0
		}
		if top {
			return a > b
		}
		return a < b
	})
	if len(s) > k {
		s = s[:k]
	}
	return s
}

// pushDownGrouping returns the operand of e, with e's grouping pushed into the range
// aggregation's extractor when that gives the same answer: sum over counting, bytes and summing
// aggregations, max over max_over_time, min over min_over_time. Data sources then return one
// series per group instead of one per stream and parsed label set, which is most of the cost of
// `sum by (level) (count_over_time({..} | json [1m]))`. e itself still runs on the result.
func pushDownGrouping(e *syntax.VectorAggregationExpr) syntax.MetricExpr {
	ra, ok := e.Left.(*syntax.RangeAggregationExpr)
	if !ok || ra.Grouping != nil {
		return e.Left
	}
	ok = false
	switch e.Op {
	case syntax.OpSum:
		switch ra.Op {
		case syntax.OpCountOverTime, syntax.OpRate, syntax.OpBytesOverTime, syntax.OpBytesRate, syntax.OpSumOverTime:
			ok = true
		}
	case syntax.OpMax:
		ok = ra.Op == syntax.OpMaxOverTime
	case syntax.OpMin:
		ok = ra.Op == syntax.OpMinOverTime
	}
	if !ok {
		return e.Left
	}
	g := e.Grouping
	if g == nil {
		g = &syntax.Grouping{}
	}
	pushed := *ra
	pushed.Grouping = g
	return &pushed
}
