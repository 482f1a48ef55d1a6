package logql

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// Loki's defaults for the engine's limits.
const (
	DefaultMaxQuerySeries          = 500
	DefaultMaxEntriesLimitPerQuery = 5000
	DefaultMaxPoints               = 11000
)

// EngineOpts are the engine's limits; zero values take Loki's defaults.
type EngineOpts struct {
	// MaxQuerySeries caps the series of a metric query's result (max_query_series).
	MaxQuerySeries int
	// MaxEntriesLimitPerQuery caps a log query's limit (max_entries_limit_per_query).
	MaxEntriesLimitPerQuery int
	// MaxPoints caps the steps of a range query (Loki's 11,000 points rule); -1 disables it.
	MaxPoints int
}

func (o *EngineOpts) defaults() {
	if o.MaxQuerySeries <= 0 {
		o.MaxQuerySeries = DefaultMaxQuerySeries
	}
	if o.MaxEntriesLimitPerQuery <= 0 {
		o.MaxEntriesLimitPerQuery = DefaultMaxEntriesLimitPerQuery
	}
	if o.MaxPoints == 0 {
		o.MaxPoints = DefaultMaxPoints
	}
}

// Params is one query execution. Times are Unix nanoseconds. An instant query has
// Start == End and Step == 0; a range query evaluates metric queries at Start, Start+Step, …
// up to End inclusive, and log queries over [Start, End).
type Params struct {
	Query      string
	Start, End int64
	Step       time.Duration
	// Interval keeps at most one line per interval in log queries (0: all lines).
	Interval  time.Duration
	Limit     uint32
	Direction iter.Direction
	// Shards restricts the query to these stream shards (set by a sharding frontend).
	Shards []Shard
}

// Instant reports whether p is an instant query.
func (p Params) Instant() bool { return p.Start == p.End && p.Step == 0 }

// Engine evaluates LogQL queries over a Querier. Safe for concurrent use.
type Engine struct {
	opts   EngineOpts
	q      Querier
	logger *slog.Logger
}

// NewEngine returns an engine reading from q.
func NewEngine(opts EngineOpts, q Querier, logger *slog.Logger) *Engine {
	opts.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Engine{opts: opts, q: q, logger: logger.With("component", "logql")}
}

// Exec parses and evaluates p.Query.
func (e *Engine) Exec(ctx context.Context, p Params) (Result, error) {
	expr, err := syntax.ParseExpr(p.Query)
	if err != nil {
		return Result{}, err
	}
	return e.ExecExpr(ctx, expr, p)
}

// ExecExpr evaluates an already parsed query (p.Query is ignored), for callers that rewrite
// queries before running them.
func (e *Engine) ExecExpr(ctx context.Context, expr syntax.Expr, p Params) (Result, error) {
	start := time.Now()
	var res Result
	var err error
	switch x := expr.(type) {
	case *syntax.LogSelector:
		res, err = e.execLog(ctx, x, p)
	case syntax.MetricExpr:
		res, err = e.execMetric(ctx, x, p)
	default:
		err = badRequest("unexpected expression type %T", expr)
	}
	res.Stats.ExecTime = time.Since(start)
	if err != nil {
		e.logger.Debug("query failed", "query", expr.String(), "err", err)
	}
	return res, err
}

func (e *Engine) execMetric(ctx context.Context, expr syntax.MetricExpr, p Params) (Result, error) {
	steps, err := e.steps(p)
	if err != nil {
		return Result{}, err
	}
	ev := &evaluator{ctx: ctx, q: e.q, steps: steps, shards: p.Shards}
	v, err := ev.eval(expr)
	if err != nil {
		return Result{}, err
	}
	return e.metricResult(expr, v, steps, p, ev.dups)
}

// metricResult turns an evaluated metric query into its Result, enforcing the series limit.
func (e *Engine) metricResult(expr syntax.MetricExpr, v value, steps []int64, p Params, dups int64) (Result, error) {
	res := Result{Stats: Stats{Duplicates: dups}}
	if p.Instant() {
		if v.scalar {
			res.Type, res.Scalar = ValueScalar, Scalar{T: steps[0], V: v.s}
			return res, nil
		}
		vec := make(Vector, 0, len(v.steps[0]))
		for _, s := range v.steps[0] {
			vec = append(vec, Sample{Metric: s.lbls, T: steps[0], V: s.v})
		}
		if len(vec) > e.opts.MaxQuerySeries {
			return Result{}, newSeriesLimitError(e.opts.MaxQuerySeries)
		}
		if !keepsOrder(expr) {
			sort.SliceStable(vec, func(i, j int) bool { return labels.Compare(vec[i].Metric, vec[j].Metric) < 0 })
		}
		res.Type, res.Vector = ValueVector, vec
		return res, nil
	}
	m, err := toMatrix(v, steps, e.opts.MaxQuerySeries)
	if err != nil {
		return Result{}, err
	}
	res.Type, res.Matrix = ValueMatrix, m
	return res, nil
}

// keepsOrder reports whether an instant result's order is meaningful.
func keepsOrder(e syntax.MetricExpr) bool {
	va, ok := e.(*syntax.VectorAggregationExpr)
	if !ok {
		return false
	}
	return va.Op == syntax.OpSort || va.Op == syntax.OpSortDesc
}

func (e *Engine) steps(p Params) ([]int64, error) {
	if p.Instant() {
		return []int64{p.Start}, nil
	}
	if p.Step <= 0 {
		return nil, badRequest(msgBadStep)
	}
	if p.End < p.Start {
		return nil, badRequest("end timestamp must not be before start time")
	}
	// Loki's rule counts intervals, not points: 0..11000 at step 1 (11,001 points) passes.
	n := (p.End - p.Start) / int64(p.Step)
	if e.opts.MaxPoints > 0 && n > int64(e.opts.MaxPoints) {
		return nil, newMaxPointsError()
	}
	n++
	steps := make([]int64, 0, n)
	for t := p.Start; t <= p.End; t += int64(p.Step) {
		steps = append(steps, t)
	}
	return steps, nil
}

func toMatrix(v value, steps []int64, maxSeries int) (Matrix, error) {
	if v.scalar {
		pts := make([]Point, len(steps))
		for i, t := range steps {
			pts[i] = Point{T: t, V: v.s}
		}
		return Matrix{{Metric: labels.Labels{}, Points: pts}}, nil
	}
	idx := map[string]int{}
	var m Matrix
	for i, vec := range v.steps {
		for _, s := range vec {
			k := keyOf(s.lbls)
			j, ok := idx[k]
			if !ok {
				if len(m) >= maxSeries {
					return nil, newSeriesLimitError(maxSeries)
				}
				j = len(m)
				idx[k] = j
				m = append(m, Series{Metric: s.lbls})
			}
			m[j].Points = append(m[j].Points, Point{T: steps[i], V: s.v})
		}
	}
	sort.Slice(m, func(i, j int) bool { return labels.Compare(m[i].Metric, m[j].Metric) < 0 })
	return m, nil
}
