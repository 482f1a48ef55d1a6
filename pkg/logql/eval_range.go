package logql

import (
	"math"
	"sort"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// rangeSeries is one series' samples, in time order.
type rangeSeries struct {
	lbls labels.Labels
	ts   []int64
	vs   []float64
}

// selectSeries reads the samples of a range aggregation for all steps, grouped by series.
func (ev *evaluator) selectSeries(e *syntax.RangeAggregationExpr) ([]*rangeSeries, error) {
	rng, off := int64(e.Left.Interval), int64(e.Left.Offset)
	first, last := ev.steps[0], ev.steps[len(ev.steps)-1]
	it, err := ev.q.SelectSamples(ev.ctx, SelectSampleParams{
		Expr:   e,
		Start:  first - off - rng + 1, // windows are (t-range, t]
		End:    last - off + 1,
		Shards: ev.shards,
	})
	if err != nil {
		return nil, err
	}
	byLabels := map[string]*rangeSeries{}
	var order []string
	for it.Next() {
		l := it.Labels()
		s, ok := byLabels[l]
		if !ok {
			s = &rangeSeries{}
			byLabels[l] = s
			order = append(order, l)
		}
		smp := it.At()
		s.ts = append(s.ts, smp.Timestamp)
		s.vs = append(s.vs, smp.Value)
	}
	err = it.Err()
	if dc, ok := it.(iter.DuplicateCounter); ok {
		ev.dups += dc.Duplicates()
	}
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	out := make([]*rangeSeries, 0, len(order))
	for _, l := range order {
		s := byLabels[l]
		if s.lbls, err = parseSeriesLabels(l); err != nil {
			return nil, err
		}
		if s.lbls.Has("__error__") {
			return nil, newPipelineError(s.lbls)
		}
		out = append(out, s)
	}
	if e.Grouping != nil {
		out = regroup(out, e.Grouping)
	}
	return out, nil
}

// regroup merges series whose labels become equal under the range aggregation's grouping
// (max_over_time(...) by (host)): their samples form one series.
func regroup(in []*rangeSeries, g *syntax.Grouping) []*rangeSeries {
	byKey := map[string]*rangeSeries{}
	var out []*rangeSeries
	for _, s := range in {
		var ls labels.Labels
		if g.Without {
			ls = s.lbls.Without(g.Groups...)
		} else {
			ls = s.lbls.Keep(g.Groups...)
		}
		k := keyOf(ls)
		dst, ok := byKey[k]
		if !ok {
			dst = &rangeSeries{lbls: ls}
			byKey[k] = dst
			out = append(out, dst)
		}
		dst.ts = append(dst.ts, s.ts...)
		dst.vs = append(dst.vs, s.vs...)
	}
	for _, s := range out {
		sort.Stable(byTime{s})
	}
	return out
}

type byTime struct{ s *rangeSeries }

func (b byTime) Len() int           { return len(b.s.ts) }
func (b byTime) Less(i, j int) bool { return b.s.ts[i] < b.s.ts[j] }
func (b byTime) Swap(i, j int) {
	b.s.ts[i], b.s.ts[j] = b.s.ts[j], b.s.ts[i]
	b.s.vs[i], b.s.vs[j] = b.s.vs[j], b.s.vs[i]
}

func (ev *evaluator) evalRange(e *syntax.RangeAggregationExpr) (value, error) {
	series, err := ev.selectSeries(e)
	if err != nil {
		return value{}, err
	}
	rng, off := int64(e.Left.Interval), int64(e.Left.Offset)
	out := make([][]promSample, len(ev.steps))
	if e.Op == syntax.OpAbsentOverTime {
		absentLbls := absentLabels(e.Left.Left.Mts)
		for i, t := range ev.steps {
			lo, hi := t-off-rng, t-off
			present := false
			for _, s := range series {
				a := sort.Search(len(s.ts), func(k int) bool { return s.ts[k] > lo })
				if a < len(s.ts) && s.ts[a] <= hi {
					present = true
					break
				}
			}
			if !present {
				out[i] = []promSample{{lbls: absentLbls, v: 1}}
			}
		}
		return value{steps: out}, nil
	}
	agg := rangeAggregator(e)
	for _, s := range series {
		a, b := 0, 0
		for i, t := range ev.steps {
			lo, hi := t-off-rng, t-off
			for a < len(s.ts) && s.ts[a] <= lo {
				a++
			}
			if b < a {
				b = a
			}
			for b < len(s.ts) && s.ts[b] <= hi {
				b++
			}
			if a == b {
				continue
			}
			v, ok := agg(s.ts[a:b], s.vs[a:b], lo, hi)
			if !ok {
				continue
			}
			out[i] = append(out[i], promSample{lbls: s.lbls, v: v})
		}
	}
	return value{steps: out}, nil
}

// absentLabels are the labels absent_over_time reports: the selector's equality matchers
// (a name matched twice is left out), as Prometheus' absent does.
func absentLabels(ms []*labels.Matcher) labels.Labels {
	seen := map[string]int{}
	for _, m := range ms {
		seen[m.Name]++
	}
	var out labels.Labels
	for _, m := range ms {
		if m.Type == labels.MatchEqual && seen[m.Name] == 1 {
			out = append(out, labels.Label{Name: m.Name, Value: m.Value})
		}
	}
	return labels.New(out...)
}

// rangeAggFunc aggregates the samples of one window (lo, hi].
type rangeAggFunc func(ts []int64, vs []float64, lo, hi int64) (float64, bool)

func rangeAggregator(e *syntax.RangeAggregationExpr) rangeAggFunc {
	secs := e.Left.Interval.Seconds()
	unwrapped := e.Left.Unwrap != nil
	switch e.Op {
	case syntax.OpCountOverTime:
		return func(ts []int64, _ []float64, _, _ int64) (float64, bool) { return float64(len(ts)), true }
	case syntax.OpRate:
		if !unwrapped {
			return func(ts []int64, _ []float64, _, _ int64) (float64, bool) { return float64(len(ts)) / secs, true }
		}
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return sum(vs) / secs, true }
	case syntax.OpBytesOverTime, syntax.OpSumOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return sum(vs), true }
	case syntax.OpBytesRate:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return sum(vs) / secs, true }
	case syntax.OpAvgOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return sum(vs) / float64(len(vs)), true }
	case syntax.OpMinOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) {
			m := vs[0]
			for _, v := range vs[1:] {
				if v < m || math.IsNaN(m) {
					m = v
				}
			}
			return m, true
		}
	case syntax.OpMaxOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) {
			m := vs[0]
			for _, v := range vs[1:] {
				if v > m || math.IsNaN(m) {
					m = v
				}
			}
			return m, true
		}
	case syntax.OpStdvarOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return variance(vs), true }
	case syntax.OpStddevOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return math.Sqrt(variance(vs)), true }
	case syntax.OpQuantileOverTime:
		q := *e.Param
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return quantile(q, vs), true }
	case syntax.OpFirstOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return vs[0], true }
	case syntax.OpLastOverTime:
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return vs[len(vs)-1], true }
	case syntax.OpRateCounter:
		return func(ts []int64, vs []float64, lo, hi int64) (float64, bool) {
			return extrapolatedRate(ts, vs, lo, hi, secs)
		}
	}
	panic("BUG: unknown range aggregation " + e.Op)
}

func sum(vs []float64) float64 {
	var s float64
	for _, v := range vs {
		s += v
	}
	return s
}

// variance is the population variance, computed with Welford's method for stability.
func variance(vs []float64) float64 {
	var mean, m2 float64
	for i, v := range vs {
		d := v - mean
		mean += d / float64(i+1)
		m2 += d * (v - mean)
	}
	return m2 / float64(len(vs))
}

// quantile is Prometheus' φ-quantile with linear interpolation; vs is not modified.
func quantile(q float64, vs []float64) float64 {
	if len(vs) == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	if q < 0 {
		return math.Inf(-1)
	}
	if q > 1 {
		return math.Inf(1)
	}
	sorted := append([]float64(nil), vs...)
	sort.Float64s(sorted)
	rank := q * float64(len(sorted)-1)
	lower := math.Max(0, math.Floor(rank))
	upper := math.Min(float64(len(sorted)-1), lower+1)
	w := rank - lower
	return sorted[int(lower)]*(1-w) + sorted[int(upper)]*w
}

// extrapolatedRate is the per-second increase of a counter over the window (lo, hi], with
// resets handled and the ends extrapolated as Prometheus' rate() does; rate_counter uses it.
func extrapolatedRate(ts []int64, vs []float64, lo, hi int64, rangeSecs float64) (float64, bool) {
	n := len(vs)
	if n < 2 {
		return 0, false
	}
	result := vs[n-1] - vs[0]
	for i := 1; i < n; i++ {
		if vs[i] < vs[i-1] {
			result += vs[i-1]
		}
	}
	toStart := float64(ts[0]-lo) / 1e9
	toEnd := float64(hi-ts[n-1]) / 1e9
	sampled := float64(ts[n-1]-ts[0]) / 1e9
	if sampled == 0 {
		return 0, false
	}
	avgStep := sampled / float64(n-1)
	if result > 0 && vs[0] >= 0 {
		if toZero := sampled * (vs[0] / result); toZero < toStart {
			toStart = toZero
		}
	}
	threshold := avgStep * 1.1
	interval := sampled
	if toStart < threshold {
		interval += toStart
	} else {
		interval += avgStep / 2
	}
	if toEnd < threshold {
		interval += toEnd
	} else {
		interval += avgStep / 2
	}
	return result * (interval / sampled) / rangeSecs, true
}
