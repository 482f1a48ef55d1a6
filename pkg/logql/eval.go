package logql

import (
	"context"
	"fmt"
	"strings"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

// promSample is one element of an evaluated step vector.
type promSample struct {
	lbls labels.Labels
	v    float64
}

// value is an evaluated metric expression: a scalar (the same at every step: LogQL scalars are
// literals), or one vector per step.
type value struct {
	scalar bool
	s      float64
	steps  [][]promSample
}

// evaluator evaluates one metric query at a fixed list of steps.
type evaluator struct {
	ctx    context.Context
	q      Querier
	steps  []int64
	shards []Shard
	dups   int64
	// overrides are values computed elsewhere (merged shards) for some nodes of the tree.
	overrides map[syntax.MetricExpr]value
}

func (ev *evaluator) eval(e syntax.MetricExpr) (value, error) {
	if err := ev.ctx.Err(); err != nil {
		return value{}, err
	}
	if v, ok := ev.overrides[e]; ok {
		return v, nil
	}
	switch e := e.(type) {
	case *syntax.LiteralExpr:
		return value{scalar: true, s: e.Val}, nil
	case *syntax.VectorExpr:
		out := make([][]promSample, len(ev.steps))
		for i := range out {
			out[i] = []promSample{{lbls: labels.Labels{}, v: e.Val}}
		}
		return value{steps: out}, nil
	case *syntax.RangeAggregationExpr:
		return ev.evalRange(e)
	case *syntax.VectorAggregationExpr:
		return ev.evalVectorAgg(e)
	case *syntax.BinOpExpr:
		return ev.evalBinOp(e)
	case *syntax.LabelReplaceExpr:
		return ev.evalLabelReplace(e)
	}
	return value{}, badRequest("unsupported expression %T", e)
}

func (ev *evaluator) evalLabelReplace(e *syntax.LabelReplaceExpr) (value, error) {
	in, err := ev.eval(e.Left)
	if err != nil {
		return value{}, err
	}
	if in.scalar {
		return value{}, badRequest("label_replace needs a vector")
	}
	for _, vec := range in.steps {
		for i := range vec {
			vec[i].lbls = labelReplace(e, vec[i].lbls)
		}
	}
	return in, nil
}

func labelReplace(e *syntax.LabelReplaceExpr, ls labels.Labels) labels.Labels {
	src := ls.Get(e.Src)
	idx := e.Re.FindStringSubmatchIndex(src)
	if idx == nil {
		return ls
	}
	res := string(e.Re.ExpandString(nil, e.Replacement, src, idx))
	out := ls.Without(e.Dst)
	if res == "" {
		return out
	}
	return labels.New(append(out, labels.Label{Name: e.Dst, Value: res})...)
}

// keyOf is a compact map key for a label set.
func keyOf(ls labels.Labels) string {
	n := 0
	for _, l := range ls {
		n += len(l.Name) + len(l.Value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	for _, l := range ls {
		b.WriteString(l.Name)
		b.WriteByte(0xff)
		b.WriteString(l.Value)
		b.WriteByte(0xff)
	}
	return b.String()
}

// parseSeriesLabels reads a data source's selector-form labels.
func parseSeriesLabels(s string) (labels.Labels, error) {
	if s == "" || s == "{}" {
		return labels.Labels{}, nil
	}
	ls, err := labels.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("parse series labels %q: %w", s, err)
	}
	return ls, nil
}

// grouped applies by/without to a label set.
func grouped(ls labels.Labels, g *syntax.Grouping) labels.Labels {
	if g == nil {
		return labels.Labels{}
	}
	if g.Without {
		return ls.Without(g.Groups...)
	}
	return ls.Keep(g.Groups...)
}
