package logql

import (
	"fmt"
	"math"
	"sort"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// window holds one series' samples inside the current range window, oldest first; samples
// before head have left the window.
type window struct {
	lbls labels.Labels
	ts   []int64
	vs   []float64
	head int
}

func (w *window) evict(lo int64) {
	for w.head < len(w.ts) && w.ts[w.head] <= lo {
		w.head++
	}
	// Compact once half the buffer is dead, so memory follows the window, not the query.
	if w.head > 0 && w.head >= len(w.ts)/2 {
		n := copy(w.ts, w.ts[w.head:])
		copy(w.vs, w.vs[w.head:])
		w.ts, w.vs, w.head = w.ts[:n], w.vs[:n], 0
	}
}

// rangeReader streams a range aggregation's samples into per-series windows, step by step.
// The data source returns samples in time order, so each step only reads the samples up to
// its own end: memory is bounded by one window's samples, not by the query's range.
type rangeReader struct {
	it       iter.SampleIterator
	grouping *syntax.Grouping
	byLabels map[string]*window // data source labels → window
	byGroup  map[string]*window // grouped labels key → window (with grouping only)
	series   []*window          // in order of appearance
	pending  bool               // it.At() is read but not yet placed
	done     bool
	last     int64 // timestamp of the last sample read
}

// advance places every sample with a timestamp in (lo, hi] into its window; older ones are
// only checked (their series' labels), since no remaining window can hold them.
func (r *rangeReader) advance(lo, hi int64) error {
	for {
		if !r.pending {
			if r.done || !r.it.Next() {
				r.done = true
				return r.it.Err()
			}
			r.pending = true
		}
		smp := r.it.At()
		if smp.Timestamp > hi {
			return nil
		}
		if smp.Timestamp < r.last {
			// Windows are filled in one pass, so a source that breaks the contract's time
			// order would silently lose samples: fail loudly instead.
			return fmt.Errorf("read samples: data source returned %d after %d, out of time order", smp.Timestamp, r.last)
		}
		r.last = smp.Timestamp
		r.pending = false
		w, err := r.window(r.it.Labels())
		if err != nil {
			return err
		}
		if smp.Timestamp <= lo {
			continue
		}
		w.ts = append(w.ts, smp.Timestamp)
		w.vs = append(w.vs, smp.Value)
	}
}

func (r *rangeReader) window(l string) (*window, error) {
	if w, ok := r.byLabels[l]; ok {
		return w, nil
	}
	ls, err := parseSeriesLabels(l)
	if err != nil {
		return nil, err
	}
	if ls.Has("__error__") {
		return nil, newPipelineError(ls)
	}
	var w *window
	if g := r.grouping; g != nil {
		// max_over_time(...) by (host): the samples of every series of a group form one
		// series; they arrive in time order, so appending keeps each window sorted.
		if g.Without {
			ls = ls.Without(g.Groups...)
		} else {
			ls = ls.Keep(g.Groups...)
		}
		k := keyOf(ls)
		if w = r.byGroup[k]; w == nil {
			w = &window{lbls: ls}
			r.byGroup[k] = w
			r.series = append(r.series, w)
		}
	} else {
		w = &window{lbls: ls}
		r.series = append(r.series, w)
	}
	r.byLabels[l] = w
	return w, nil
}

func (ev *evaluator) evalRange(e *syntax.RangeAggregationExpr) (value, error) {
	rng, off := int64(e.Left.Interval), int64(e.Left.Offset)
	first, last := ev.steps[0], ev.steps[len(ev.steps)-1]
	it, err := ev.q.SelectSamples(ev.ctx, SelectSampleParams{
		Expr:    e,
		Start:   first - off - rng + 1, // windows are (t-range, t]
		End:     last - off + 1,
		Shards:  ev.shards,
		Buckets: ev.bucketGrid(e),
	})
	if err != nil {
		return value{}, err
	}
	r := &rangeReader{it: it, grouping: e.Grouping, byLabels: map[string]*window{}, byGroup: map[string]*window{}}
	out, err := ev.windows(e, r, rng, off)
	if dc, ok := it.(iter.DuplicateCounter); ok {
		ev.dups += dc.Duplicates()
	}
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return value{}, err
	}
	return value{steps: out}, nil
}

// bucketGrid is the grid a source may sum samples on (SelectSampleParams.Buckets), or the
// zero grid when the aggregation is not a sum of line counts or lengths. Every window (t-off-rng,
// t-off] starts and ends on points t-off-k·gcd(step, rng).
func (ev *evaluator) bucketGrid(e *syntax.RangeAggregationExpr) BucketGrid {
	// Only sums of whole numbers (line counts and lengths): they are exact in any order, so
	// summing buckets first never changes an answer, where a float sum could in its last bit.
	switch e.Op {
	case syntax.OpCountOverTime, syntax.OpBytesOverTime, syntax.OpBytesRate:
	case syntax.OpRate:
		if e.Left.Unwrap != nil {
			return BucketGrid{}
		}
	default:
		return BucketGrid{}
	}
	rng, off := int64(e.Left.Interval), int64(e.Left.Offset)
	w := rng
	if len(ev.steps) > 1 {
		w = gcd(ev.steps[1]-ev.steps[0], rng)
	}
	if w <= 0 {
		return BucketGrid{}
	}
	return BucketGrid{Width: w, Anchor: ev.steps[0] - off}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// windows evaluates every step's window (t-off-range, t-off].
func (ev *evaluator) windows(e *syntax.RangeAggregationExpr, r *rangeReader, rng, off int64) ([][]promSample, error) {
	out := make([][]promSample, len(ev.steps))
	var agg rangeAggFunc
	var absentLbls labels.Labels
	if e.Op == syntax.OpAbsentOverTime {
		absentLbls = absentLabels(e.Left.Left.Mts)
	} else {
		agg = rangeAggregator(e)
	}
	for i, t := range ev.steps {
		if err := ev.ctx.Err(); err != nil {
			return nil, err
		}
		lo, hi := t-off-rng, t-off
		if err := r.advance(lo, hi); err != nil {
			return nil, err
		}
		present := false
		for _, w := range r.series {
			w.evict(lo)
			if w.head == len(w.ts) {
				continue
			}
			present = true
			if agg == nil {
				break
			}
			if v, ok := agg(w.ts[w.head:], w.vs[w.head:], lo, hi); ok {
				out[i] = append(out[i], promSample{lbls: w.lbls, v: v})
			}
		}
		if agg == nil && !present {
			out[i] = []promSample{{lbls: absentLbls, v: 1}}
		}
	}
	// Read what is left so that a __error__ series anywhere in the range still fails the
	// query, as when every sample was read up front.
	if err := r.advance(math.MaxInt64, math.MaxInt64); err != nil {
		return nil, err
	}
	return out, nil
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
	switch e.Op {
	case syntax.OpCountOverTime:
		// A line's sample is 1, a bucket's the count of its lines (BucketGrid): sum either.
		return func(_ []int64, vs []float64, _, _ int64) (float64, bool) { return sum(vs), true }
	case syntax.OpRate:
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
