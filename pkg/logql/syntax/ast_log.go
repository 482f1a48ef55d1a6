package syntax

import (
	"strconv"
	"strings"
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// LogSelector is a stream selector and the stages after it: {app="x"} |= "err" | json.
// It implements LogSelectorExpr.
type LogSelector struct {
	Mts    []*labels.Matcher
	Stages []Stage
}

// Matchers returns the stream selector's label matchers.
func (e *LogSelector) Matchers() []*labels.Matcher { return e.Mts }

func (e *LogSelector) String() string {
	var b strings.Builder
	b.WriteString(matchersString(e.Mts))
	for _, s := range e.Stages {
		b.WriteByte(' ')
		b.WriteString(s.String())
	}
	return b.String()
}

// RequiredLiterals returns substrings that every line the pipeline keeps contains as stored:
// the needles of case-sensitive |= filters and the literal parts of |~ and |> filters (as
// pkg/logql/log finds them), from the filters that run before any stage that rewrites the
// line. Storage uses them to skip blocks through their token filters.
func (e *LogSelector) RequiredLiterals() []string {
	var out []string
	for _, s := range e.Stages {
		switch s := s.(type) {
		case *LineFilterStage:
			if s.Op.Negative() || s.IP || len(s.Or) > 0 {
				continue
			}
			f, err := compileLineFilter(s)
			if err != nil {
				continue
			}
			out = append(out, log.RequiredLiterals(f)...)
		case *LineFormatStage, *DecolorizeStage:
			return out
		case *ParserStage:
			if s.Kind == ParserUnpack {
				return out
			}
		}
	}
	return out
}

func matchersString(ms []*labels.Matcher) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(m.Name)
		b.WriteString(m.Type.String())
		b.WriteString(strconv.Quote(m.Value))
	}
	b.WriteByte('}')
	return b.String()
}

// Stage is one step of a log pipeline.
type Stage interface {
	String() string
	stage()
}

// LineMatchType is the operator of a line filter.
type LineMatchType int

const (
	LineMatchEqual      LineMatchType = iota // |=
	LineMatchNotEqual                        // !=
	LineMatchRegexp                          // |~
	LineMatchNotRegexp                       // !~
	LineMatchPattern                         // |>
	LineMatchNotPattern                      // !>
)

func (t LineMatchType) String() string {
	switch t {
	case LineMatchEqual:
		return "|="
	case LineMatchNotEqual:
		return "!="
	case LineMatchRegexp:
		return "|~"
	case LineMatchNotRegexp:
		return "!~"
	case LineMatchPattern:
		return "|>"
	case LineMatchNotPattern:
		return "!>"
	}
	panic("BUG: unknown line match type " + strconv.Itoa(int(t)))
}

// Negative reports whether the operator drops matching lines.
func (t LineMatchType) Negative() bool {
	return t == LineMatchNotEqual || t == LineMatchNotRegexp || t == LineMatchNotPattern
}

// LineFilterStage is a line filter, |= "a" or "b": Or holds the alternatives after the first.
// For a positive operator a line is kept when any alternative matches; for a negative one it is
// kept only when none does. IP marks ip("...") filters (only with |= and !=).
type LineFilterStage struct {
	Op    LineMatchType
	Match string
	IP    bool
	Or    []LineFilterAlt
}

// LineFilterAlt is one `or` alternative of a line filter.
type LineFilterAlt struct {
	Match string
	IP    bool
}

func (*LineFilterStage) stage() {}

func (s *LineFilterStage) String() string {
	var b strings.Builder
	b.WriteString(s.Op.String())
	b.WriteByte(' ')
	writeFilterValue(&b, s.Match, s.IP)
	for _, o := range s.Or {
		b.WriteString(" or ")
		writeFilterValue(&b, o.Match, o.IP)
	}
	return b.String()
}

func writeFilterValue(b *strings.Builder, v string, ip bool) {
	if ip {
		b.WriteString("ip(")
		b.WriteString(strconv.Quote(v))
		b.WriteByte(')')
		return
	}
	b.WriteString(strconv.Quote(v))
}

// ParserKind names a parser stage.
type ParserKind string

const (
	ParserJSON    ParserKind = "json"
	ParserLogfmt  ParserKind = "logfmt"
	ParserRegexp  ParserKind = "regexp"
	ParserPattern ParserKind = "pattern"
	ParserUnpack  ParserKind = "unpack"
)

// LabelExtraction is one parameter of json or logfmt: the label Name gets the value at Expr
// (a JSON path such as "a.b[0]" or a logfmt key). Expr is empty for the short form `| json a`.
type LabelExtraction struct {
	Name string
	Expr string
}

// ParserStage is | json, | logfmt, | regexp "re", | pattern "p" or | unpack.
type ParserStage struct {
	Kind ParserKind
	// Param is the expression of regexp and pattern.
	Param string
	// Params are the selected fields of json and logfmt; empty extracts everything.
	Params    []LabelExtraction
	Strict    bool // logfmt --strict
	KeepEmpty bool // logfmt --keep-empty
}

func (*ParserStage) stage() {}

func (s *ParserStage) String() string {
	var b strings.Builder
	b.WriteString("| ")
	b.WriteString(string(s.Kind))
	if s.Strict {
		b.WriteString(" --strict")
	}
	if s.KeepEmpty {
		b.WriteString(" --keep-empty")
	}
	switch s.Kind {
	case ParserRegexp, ParserPattern:
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(s.Param))
	}
	for i, p := range s.Params {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		b.WriteString(p.Name)
		if p.Expr != "" {
			b.WriteByte('=')
			b.WriteString(strconv.Quote(p.Expr))
		}
	}
	return b.String()
}

// LabelFilterStage is | <label filter expression>.
type LabelFilterStage struct {
	Filter LabelFilter
}

func (*LabelFilterStage) stage() {}

func (s *LabelFilterStage) String() string { return "| " + s.Filter.String() }

// LabelFilter is a node of a label filter expression.
type LabelFilter interface {
	String() string
	labelFilter()
}

// BinaryLabelFilter combines two filters with and (And true) or or.
type BinaryLabelFilter struct {
	And         bool
	Left, Right LabelFilter
}

func (*BinaryLabelFilter) labelFilter() {}

func (f *BinaryLabelFilter) String() string {
	// Parenthesise an or nested under an and, the one case where precedence needs it; an or on
	// the right of an or is parenthesised too so the tree's shape survives a round trip.
	side := func(x LabelFilter, right bool) string {
		if bf, ok := x.(*BinaryLabelFilter); ok && ((f.And && !bf.And) || (right && bf.And == f.And)) {
			return "(" + bf.String() + ")"
		}
		return x.String()
	}
	op := " or "
	if f.And {
		op = " and "
	}
	return side(f.Left, false) + op + side(f.Right, true)
}

// StringLabelFilter is a string matcher on a label: status="200", path=~"/api.*".
type StringLabelFilter struct {
	Matcher *labels.Matcher
}

func (*StringLabelFilter) labelFilter() {}

func (f *StringLabelFilter) String() string {
	return f.Matcher.Name + f.Matcher.Type.String() + strconv.Quote(f.Matcher.Value)
}

// CompareOp is the operator of a numeric, duration or bytes label filter.
type CompareOp string

const (
	CmpEq  CompareOp = "=="
	CmpNeq CompareOp = "!="
	CmpGt  CompareOp = ">"
	CmpGte CompareOp = ">="
	CmpLt  CompareOp = "<"
	CmpLte CompareOp = "<="
)

// NumericLabelFilter compares a label converted to a number: status >= 500.
type NumericLabelFilter struct {
	Name  string
	Op    CompareOp
	Value float64
}

func (*NumericLabelFilter) labelFilter() {}

func (f *NumericLabelFilter) String() string {
	return f.Name + string(f.Op) + strconv.FormatFloat(f.Value, 'g', -1, 64)
}

// DurationLabelFilter compares a label parsed as a duration: latency > 250ms.
type DurationLabelFilter struct {
	Name  string
	Op    CompareOp
	Value time.Duration
}

func (*DurationLabelFilter) labelFilter() {}

func (f *DurationLabelFilter) String() string {
	return f.Name + string(f.Op) + formatDuration(f.Value)
}

// BytesLabelFilter compares a label parsed as a byte size: size > 20KB. Text keeps the
// literal as written for rendering.
type BytesLabelFilter struct {
	Name  string
	Op    CompareOp
	Value uint64
	Text  string
}

func (*BytesLabelFilter) labelFilter() {}

func (f *BytesLabelFilter) String() string { return f.Name + string(f.Op) + f.Text }

// IPLabelFilter matches a label against an address, range or CIDR: addr = ip("10.0.0.0/8").
type IPLabelFilter struct {
	Name    string
	Negate  bool
	Pattern string
}

func (*IPLabelFilter) labelFilter() {}

func (f *IPLabelFilter) String() string {
	op := "="
	if f.Negate {
		op = "!="
	}
	return f.Name + op + "ip(" + strconv.Quote(f.Pattern) + ")"
}

// LineFormatStage is | line_format "{{.a}}".
type LineFormatStage struct {
	Template string
}

func (*LineFormatStage) stage()           {}
func (s *LineFormatStage) String() string { return "| line_format " + strconv.Quote(s.Template) }

// LabelFmt is one assignment of label_format: dst=src renames, dst="{{tmpl}}" templates.
type LabelFmt struct {
	Name   string
	Value  string
	Rename bool
}

// LabelFormatStage is | label_format a=b, c="{{.d}}".
type LabelFormatStage struct {
	Fmts []LabelFmt
}

func (*LabelFormatStage) stage() {}

func (s *LabelFormatStage) String() string {
	var b strings.Builder
	b.WriteString("| label_format ")
	for i, f := range s.Fmts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		if f.Rename {
			b.WriteString(f.Value)
		} else {
			b.WriteString(strconv.Quote(f.Value))
		}
	}
	return b.String()
}

// NamedMatcher is a drop or keep operand: a bare label name (Matcher nil) or a matcher on it.
type NamedMatcher struct {
	Name    string
	Matcher *labels.Matcher
}

func namedMatchersString(ms []NamedMatcher) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		if m.Matcher == nil {
			parts[i] = m.Name
		} else {
			parts[i] = m.Name + m.Matcher.Type.String() + strconv.Quote(m.Matcher.Value)
		}
	}
	return strings.Join(parts, ", ")
}

// DropStage is | drop a, b="v".
type DropStage struct{ Labels []NamedMatcher }

func (*DropStage) stage()           {}
func (s *DropStage) String() string { return "| drop " + namedMatchersString(s.Labels) }

// KeepStage is | keep a, b="v".
type KeepStage struct{ Labels []NamedMatcher }

func (*KeepStage) stage()           {}
func (s *KeepStage) String() string { return "| keep " + namedMatchersString(s.Labels) }

// DecolorizeStage is | decolorize.
type DecolorizeStage struct{}

func (*DecolorizeStage) stage()         {}
func (*DecolorizeStage) String() string { return "| decolorize" }
