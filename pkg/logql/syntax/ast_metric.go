package syntax

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MetricExpr is any expression that evaluates to samples: range and vector aggregations,
// binary operations, literals, vector() and label_replace.
type MetricExpr interface {
	Expr
	metricExpr()
}

// Range aggregation operators.
const (
	OpCountOverTime    = "count_over_time"
	OpRate             = "rate"
	OpRateCounter      = "rate_counter"
	OpBytesOverTime    = "bytes_over_time"
	OpBytesRate        = "bytes_rate"
	OpAvgOverTime      = "avg_over_time"
	OpSumOverTime      = "sum_over_time"
	OpMinOverTime      = "min_over_time"
	OpMaxOverTime      = "max_over_time"
	OpStddevOverTime   = "stddev_over_time"
	OpStdvarOverTime   = "stdvar_over_time"
	OpQuantileOverTime = "quantile_over_time"
	OpFirstOverTime    = "first_over_time"
	OpLastOverTime     = "last_over_time"
	OpAbsentOverTime   = "absent_over_time"
)

// Vector aggregation operators.
const (
	OpSum      = "sum"
	OpAvg      = "avg"
	OpMin      = "min"
	OpMax      = "max"
	OpCount    = "count"
	OpStddev   = "stddev"
	OpStdvar   = "stdvar"
	OpTopK     = "topk"
	OpBottomK  = "bottomk"
	OpSort     = "sort"
	OpSortDesc = "sort_desc"
)

func isRangeOp(s string) bool {
	switch s {
	case OpCountOverTime, OpRate, OpRateCounter, OpBytesOverTime, OpBytesRate, OpAvgOverTime,
		OpSumOverTime, OpMinOverTime, OpMaxOverTime, OpStddevOverTime, OpStdvarOverTime,
		OpQuantileOverTime, OpFirstOverTime, OpLastOverTime, OpAbsentOverTime:
		return true
	}
	return false
}

func isVectorOp(s string) bool {
	switch s {
	case OpSum, OpAvg, OpMin, OpMax, OpCount, OpStddev, OpStdvar, OpTopK, OpBottomK, OpSort, OpSortDesc:
		return true
	}
	return false
}

// Unwrap conversions.
const (
	ConvNone            = ""
	ConvDuration        = "duration"
	ConvDurationSeconds = "duration_seconds"
	ConvBytes           = "bytes"
)

// Unwrap is `| unwrap [conv(]label[)]` and the label filters that follow it.
type Unwrap struct {
	Label       string
	Conversion  string
	PostFilters []LabelFilter
}

func (u *Unwrap) String() string {
	var b strings.Builder
	b.WriteString("| unwrap ")
	if u.Conversion != ConvNone {
		b.WriteString(u.Conversion)
		b.WriteByte('(')
		b.WriteString(u.Label)
		b.WriteByte(')')
	} else {
		b.WriteString(u.Label)
	}
	for _, f := range u.PostFilters {
		b.WriteString(" | ")
		b.WriteString(f.String())
	}
	return b.String()
}

// LogRange is the operand of a range aggregation: a log selector over [Interval], shifted back
// by Offset, with an optional unwrap.
type LogRange struct {
	Left     *LogSelector
	Interval time.Duration
	Offset   time.Duration
	Unwrap   *Unwrap
}

func (r *LogRange) String() string {
	var b strings.Builder
	b.WriteString(r.Left.String())
	if r.Unwrap != nil {
		b.WriteByte(' ')
		b.WriteString(r.Unwrap.String())
	}
	b.WriteString(" [")
	b.WriteString(formatDuration(r.Interval))
	b.WriteByte(']')
	if r.Offset != 0 {
		b.WriteString(" offset ")
		b.WriteString(formatDuration(r.Offset))
	}
	return b.String()
}

// Grouping is by (...) or without (...). A nil *Grouping means none was written; an empty
// by () is a Grouping with no Groups.
type Grouping struct {
	Groups  []string
	Without bool
}

func (g *Grouping) String() string {
	kw := "by"
	if g.Without {
		kw = "without"
	}
	return kw + " (" + strings.Join(g.Groups, ", ") + ")"
}

// RangeAggregationExpr is op(selector [range]) with optional parameter and grouping. It
// implements SampleExpr.
type RangeAggregationExpr struct {
	Op       string
	Left     *LogRange
	Param    *float64 // quantile_over_time's φ
	Grouping *Grouping
}

func (*RangeAggregationExpr) metricExpr() {}

// Selector returns the log selector the aggregation reads.
func (e *RangeAggregationExpr) Selector() LogSelectorExpr { return e.Left.Left }

func (e *RangeAggregationExpr) String() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteByte('(')
	if e.Param != nil {
		b.WriteString(strconv.FormatFloat(*e.Param, 'g', -1, 64))
		b.WriteString(", ")
	}
	b.WriteString(e.Left.String())
	b.WriteByte(')')
	if e.Grouping != nil {
		b.WriteByte(' ')
		b.WriteString(e.Grouping.String())
	}
	return b.String()
}

// VectorAggregationExpr is op [grouping] ([param,] expr).
type VectorAggregationExpr struct {
	Op       string
	Grouping *Grouping
	Param    int // k of topk and bottomk
	Left     MetricExpr
}

func (*VectorAggregationExpr) metricExpr() {}

func (e *VectorAggregationExpr) String() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Grouping != nil {
		b.WriteByte(' ')
		b.WriteString(e.Grouping.String())
	}
	b.WriteString(" (")
	if e.Op == OpTopK || e.Op == OpBottomK {
		b.WriteString(strconv.Itoa(e.Param))
		b.WriteString(", ")
	}
	b.WriteString(e.Left.String())
	b.WriteByte(')')
	return b.String()
}

// VectorMatchCardinality is the cardinality of a vector-vector binary operation.
type VectorMatchCardinality int

const (
	CardOneToOne VectorMatchCardinality = iota
	CardManyToOne
	CardOneToMany
	CardManyToMany
)

// VectorMatching is on/ignoring with group_left/group_right.
type VectorMatching struct {
	Card           VectorMatchCardinality
	On             bool
	MatchingLabels []string
	Include        []string
}

// BinOpOptions are the modifiers of a binary operation.
type BinOpOptions struct {
	ReturnBool     bool
	VectorMatching *VectorMatching
}

// BinOpExpr is lhs op rhs.
type BinOpExpr struct {
	Op   string
	LHS  MetricExpr
	RHS  MetricExpr
	Opts BinOpOptions
}

func (*BinOpExpr) metricExpr() {}

// IsComparisonOp reports whether op is == != > >= < <=.
func IsComparisonOp(op string) bool {
	switch op {
	case "==", "!=", ">", ">=", "<", "<=":
		return true
	}
	return false
}

// IsSetOp reports whether op is and, or or unless.
func IsSetOp(op string) bool { return op == "and" || op == "or" || op == "unless" }

func (e *BinOpExpr) String() string {
	var b strings.Builder
	side := func(x MetricExpr) {
		if _, ok := x.(*BinOpExpr); ok {
			b.WriteByte('(')
			b.WriteString(x.String())
			b.WriteByte(')')
			return
		}
		b.WriteString(x.String())
	}
	side(e.LHS)
	b.WriteByte(' ')
	b.WriteString(e.Op)
	if e.Opts.ReturnBool {
		b.WriteString(" bool")
	}
	// ignoring () is the default and stays implicit.
	if vm := e.Opts.VectorMatching; vm != nil && (vm.On || len(vm.MatchingLabels) > 0 || vm.Card == CardManyToOne || vm.Card == CardOneToMany) {
		if vm.On {
			b.WriteString(" on (")
		} else {
			b.WriteString(" ignoring (")
		}
		b.WriteString(strings.Join(vm.MatchingLabels, ", "))
		b.WriteByte(')')
		switch vm.Card {
		case CardManyToOne:
			b.WriteString(" group_left (")
			b.WriteString(strings.Join(vm.Include, ", "))
			b.WriteByte(')')
		case CardOneToMany:
			b.WriteString(" group_right (")
			b.WriteString(strings.Join(vm.Include, ", "))
			b.WriteByte(')')
		}
	}
	b.WriteByte(' ')
	side(e.RHS)
	return b.String()
}

// LiteralExpr is a number.
type LiteralExpr struct {
	Val float64
}

func (*LiteralExpr) metricExpr() {}

func (e *LiteralExpr) String() string { return strconv.FormatFloat(e.Val, 'g', -1, 64) }

// VectorExpr is vector(x): one sample with no labels at every step.
type VectorExpr struct {
	Val float64
}

func (*VectorExpr) metricExpr() {}

func (e *VectorExpr) String() string {
	return "vector(" + strconv.FormatFloat(e.Val, 'g', -1, 64) + ")"
}

// LabelReplaceExpr is label_replace(expr, dst, replacement, src, regex).
type LabelReplaceExpr struct {
	Left        MetricExpr
	Dst         string
	Replacement string
	Src         string
	Regex       string
	// Re is Regex compiled and fully anchored.
	Re *regexp.Regexp
}

func (*LabelReplaceExpr) metricExpr() {}

func (e *LabelReplaceExpr) String() string {
	return "label_replace(" + e.Left.String() + ", " + strconv.Quote(e.Dst) + ", " +
		strconv.Quote(e.Replacement) + ", " + strconv.Quote(e.Src) + ", " + strconv.Quote(e.Regex) + ")"
}
