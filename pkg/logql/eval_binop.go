package logql

import (
	"math"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
)

func (ev *evaluator) evalBinOp(e *syntax.BinOpExpr) (value, error) {
	lhs, err := ev.eval(e.LHS)
	if err != nil {
		return value{}, err
	}
	rhs, err := ev.eval(e.RHS)
	if err != nil {
		return value{}, err
	}
	switch {
	case lhs.scalar && rhs.scalar:
		v, keep := scalarBinop(e.Op, lhs.s, rhs.s, e.Opts.ReturnBool)
		if !keep {
			// Only reachable for comparisons without bool, which the parser rejects.
			return value{}, badRequest("comparisons between scalars must use BOOL modifier")
		}
		return value{scalar: true, s: v}, nil
	case lhs.scalar || rhs.scalar:
		if syntax.IsSetOp(e.Op) {
			return value{}, badRequest("set operator %q not allowed in binary scalar expression", e.Op)
		}
		out := make([][]promSample, len(ev.steps))
		vec, sc, swap := lhs, rhs.s, false
		if lhs.scalar {
			vec, sc, swap = rhs, lhs.s, true
		}
		for i, samples := range vec.steps {
			for _, s := range samples {
				l, r := s.v, sc
				if swap {
					l, r = sc, s.v
				}
				v, keep := scalarBinop(e.Op, l, r, e.Opts.ReturnBool)
				if !keep {
					continue
				}
				if syntax.IsComparisonOp(e.Op) && !e.Opts.ReturnBool {
					v = s.v // a filter keeps the vector's value, whichever side it is on
				}
				out[i] = append(out[i], promSample{lbls: s.lbls, v: v})
			}
		}
		return value{steps: out}, nil
	}
	out := make([][]promSample, len(ev.steps))
	for i := range ev.steps {
		var err error
		if syntax.IsSetOp(e.Op) {
			out[i] = setOp(e, lhs.steps[i], rhs.steps[i])
		} else if out[i], err = vectorBinop(e, lhs.steps[i], rhs.steps[i]); err != nil {
			return value{}, err
		}
	}
	return value{steps: out}, nil
}

// scalarBinop applies op; keep is false when a comparison without bool filters the value out.
func scalarBinop(op string, l, r float64, returnBool bool) (float64, bool) {
	switch op {
	case "+":
		return l + r, true
	case "-":
		return l - r, true
	case "*":
		return l * r, true
	case "/":
		return l / r, true
	case "%":
		return math.Mod(l, r), true
	case "^":
		return math.Pow(l, r), true
	}
	var ok bool
	switch op {
	case "==":
		ok = l == r
	case "!=":
		ok = l != r
	case ">":
		ok = l > r
	case ">=":
		ok = l >= r
	case "<":
		ok = l < r
	case "<=":
		ok = l <= r
	default:
		panic("BUG: unknown binary operator " + op)
	}
	if returnBool {
		if ok {
			return 1, true
		}
		return 0, true
	}
	return l, ok
}

func matching(e *syntax.BinOpExpr) *syntax.VectorMatching {
	if e.Opts.VectorMatching != nil {
		return e.Opts.VectorMatching
	}
	return &syntax.VectorMatching{Card: syntax.CardOneToOne}
}

// signature is the matching key of a sample: its on() labels, or all but its ignoring() labels.
func signature(ls labels.Labels, vm *syntax.VectorMatching) string {
	if vm.On {
		return keyOf(ls.Keep(vm.MatchingLabels...))
	}
	return keyOf(ls.Without(vm.MatchingLabels...))
}

func setOp(e *syntax.BinOpExpr, lhs, rhs []promSample) []promSample {
	vm := matching(e)
	rsigs := make(map[string]bool, len(rhs))
	for _, s := range rhs {
		rsigs[signature(s.lbls, vm)] = true
	}
	var out []promSample
	switch e.Op {
	case "and":
		for _, s := range lhs {
			if rsigs[signature(s.lbls, vm)] {
				out = append(out, s)
			}
		}
	case "unless":
		for _, s := range lhs {
			if !rsigs[signature(s.lbls, vm)] {
				out = append(out, s)
			}
		}
	case "or":
		lsigs := make(map[string]bool, len(lhs))
		for _, s := range lhs {
			lsigs[signature(s.lbls, vm)] = true
			out = append(out, s)
		}
		for _, s := range rhs {
			if !lsigs[signature(s.lbls, vm)] {
				out = append(out, s)
			}
		}
	}
	return out
}

func vectorBinop(e *syntax.BinOpExpr, lhs, rhs []promSample) ([]promSample, error) {
	vm := matching(e)
	one, many := rhs, lhs
	if vm.Card == syntax.CardOneToMany {
		one, many = lhs, rhs
	}
	oneSide := "right"
	if vm.Card == syntax.CardOneToMany {
		oneSide = "left"
	}
	bySig := make(map[string]promSample, len(one))
	for _, s := range one {
		sig := signature(s.lbls, vm)
		if prev, dup := bySig[sig]; dup {
			return nil, badRequest("found duplicate series for the match group %s on the %s hand-side of the operation: [%s, %s];many-to-many matching not allowed: matching labels must be unique on one side",
				matchGroupString(s.lbls, vm), oneSide, prev.lbls.String(), s.lbls.String())
		}
		bySig[sig] = s
	}
	var out []promSample
	seen := map[string]bool{}
	for _, m := range many {
		sig := signature(m.lbls, vm)
		o, ok := bySig[sig]
		if !ok {
			continue
		}
		l, r := m, o
		if vm.Card == syntax.CardOneToMany {
			l, r = o, m
		}
		v, keep := scalarBinop(e.Op, l.v, r.v, e.Opts.ReturnBool)
		if !keep {
			continue
		}
		metric := resultMetric(m.lbls, o.lbls, vm)
		if vm.Card == syntax.CardOneToOne {
			k := keyOf(metric)
			if seen[k] {
				return nil, badRequest("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
			}
			seen[k] = true
		}
		out = append(out, promSample{lbls: metric, v: v})
	}
	return out, nil
}

func matchGroupString(ls labels.Labels, vm *syntax.VectorMatching) string {
	if vm.On {
		return ls.Keep(vm.MatchingLabels...).String()
	}
	return ls.Without(vm.MatchingLabels...).String()
}

// resultMetric is the label set of a vector-vector result, as Prometheus builds it: the "many"
// side's labels, reduced to the on() labels (or without the ignoring() ones) for one-to-one
// matching, plus the group_x include labels copied from the "one" side.
func resultMetric(many, one labels.Labels, vm *syntax.VectorMatching) labels.Labels {
	ls := many
	if vm.Card == syntax.CardOneToOne {
		if vm.On {
			ls = ls.Keep(vm.MatchingLabels...)
		} else {
			ls = ls.Without(vm.MatchingLabels...)
		}
	}
	if len(vm.Include) == 0 {
		return ls
	}
	ls = ls.Without(vm.Include...)
	for _, n := range vm.Include {
		if v := one.Get(n); v != "" {
			ls = append(ls, labels.Label{Name: n, Value: v})
		}
	}
	return labels.New(ls...)
}
