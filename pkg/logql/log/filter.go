package log

import (
	"bytes"
	"fmt"
	"regexp"
)

// LineFilterOp is a line filter operator.
type LineFilterOp int

const (
	LineMatchEqual      LineFilterOp = iota // |=  the line contains the string
	LineMatchNotEqual                       // !=  the line does not contain it
	LineMatchRegexp                         // |~  the RE2 regexp matches somewhere in the line
	LineMatchNotRegexp                      // !~
	LineMatchPattern                        // |>  the pattern (<_> wildcards) matches the whole line
	LineMatchNotPattern                     // !>
)

func (op LineFilterOp) String() string {
	switch op {
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
	return fmt.Sprintf("LineFilterOp(%d)", int(op))
}

func (op LineFilterOp) negated() bool {
	return op == LineMatchNotEqual || op == LineMatchNotRegexp || op == LineMatchNotPattern
}

// Filterer decides whether a line is kept. Implementations are immutable and safe for
// concurrent use, and do not allocate per line.
type Filterer interface {
	Filter(line []byte) bool
}

// NewLineFilter compiles one line filter: `|= "x"`, `!~ "re"`, `|> "<_> x <_>"`.
func NewLineFilter(op LineFilterOp, match string) (Filterer, error) {
	return NewLineFilterOr(op, match)
}

// NewLineFilterOr compiles `op "a" or "b" or …`. For the positive operators a line is kept
// when any alternative matches; for the negated ones when none does (`!= "a" or "b"` drops
// lines containing a or b), as in Loki.
func NewLineFilterOr(op LineFilterOp, matches ...string) (Filterer, error) {
	if len(matches) == 0 {
		return nil, fmt.Errorf("compile line filter %s: no match string", op)
	}
	var fs []Filterer
	for _, m := range matches {
		f, err := newPositiveFilter(op, m)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	f := NewOrFilter(fs...)
	if op.negated() {
		return NewNotFilter(f), nil
	}
	return f, nil
}

func newPositiveFilter(op LineFilterOp, m string) (Filterer, error) {
	switch op {
	case LineMatchEqual, LineMatchNotEqual:
		return newContainsFilter(m), nil
	case LineMatchRegexp, LineMatchNotRegexp:
		return newRegexpFilter(m)
	case LineMatchPattern, LineMatchNotPattern:
		p, err := compilePattern(m, false)
		if err != nil {
			return nil, err
		}
		return &patternFilter{p: p}, nil
	}
	return nil, fmt.Errorf("compile line filter: unknown operator %d", int(op))
}

// TrueFilter keeps every line.
type trueFilter struct{}

func (trueFilter) Filter([]byte) bool { return true }

// TrueFilter is the filter that keeps every line.
var TrueFilter Filterer = trueFilter{}

// existsFilter keeps non-empty lines.
type existsFilter struct{}

func (existsFilter) Filter(line []byte) bool { return len(line) > 0 }

type containsFilter struct{ lit []byte }

func newContainsFilter(m string) Filterer {
	if m == "" {
		return TrueFilter
	}
	return &containsFilter{lit: []byte(m)}
}

func (f *containsFilter) Filter(line []byte) bool { return bytes.Contains(line, f.lit) }

type containsAnyFilter struct{ lits [][]byte }

func (f *containsAnyFilter) Filter(line []byte) bool {
	for _, l := range f.lits {
		if bytes.Contains(line, l) {
			return true
		}
	}
	return false
}

type regexpFilter struct {
	re   *regexp.Regexp
	src  string   // the regexp as written (re holds it with the (?s) flag)
	lits [][]byte // substrings every match contains
}

func (f *regexpFilter) Filter(line []byte) bool {
	for _, l := range f.lits {
		if !bytes.Contains(line, l) {
			return false
		}
	}
	return f.re.Match(line)
}

type notFilter struct{ f Filterer }

// NewNotFilter inverts f.
func NewNotFilter(f Filterer) Filterer {
	if n, ok := f.(*notFilter); ok {
		return n.f
	}
	return &notFilter{f: f}
}

func (f *notFilter) Filter(line []byte) bool { return !f.f.Filter(line) }

type andFilter struct{ fs []Filterer }

// NewAndFilter keeps lines that every filter keeps (chained line filters).
func NewAndFilter(fs ...Filterer) Filterer {
	var out []Filterer
	for _, f := range fs {
		switch g := f.(type) {
		case trueFilter:
			continue
		case *andFilter:
			out = append(out, g.fs...)
		default:
			out = append(out, f)
		}
	}
	switch len(out) {
	case 0:
		return TrueFilter
	case 1:
		return out[0]
	}
	return &andFilter{fs: out}
}

func (f *andFilter) Filter(line []byte) bool {
	for _, g := range f.fs {
		if !g.Filter(line) {
			return false
		}
	}
	return true
}

type orFilter struct{ fs []Filterer }

// NewOrFilter keeps lines that any filter keeps. Plain substring alternatives are merged.
func NewOrFilter(fs ...Filterer) Filterer {
	var out []Filterer
	var lits [][]byte
	for _, f := range fs {
		switch g := f.(type) {
		case trueFilter:
			return TrueFilter
		case *containsFilter:
			lits = append(lits, g.lit)
		case *containsAnyFilter:
			lits = append(lits, g.lits...)
		default:
			out = append(out, f)
		}
	}
	switch len(lits) {
	case 0:
	case 1:
		out = append(out, &containsFilter{lit: lits[0]})
	default:
		out = append(out, &containsAnyFilter{lits: lits})
	}
	if len(out) == 1 {
		return out[0]
	}
	return &orFilter{fs: out}
}

func (f *orFilter) Filter(line []byte) bool {
	for _, g := range f.fs {
		if g.Filter(line) {
			return true
		}
	}
	return false
}

// NewFilterStage turns a line filter into a pipeline stage.
func NewFilterStage(f Filterer) Stage { return filterStage{f} }

type filterStage struct{ f Filterer }

func (s filterStage) Process(_ int64, line []byte, _ *LabelsBuilder) ([]byte, bool) {
	return line, s.f.Filter(line)
}

// RequiredLiterals returns substrings that every line f keeps contains, byte for byte (from
// case-sensitive `|=` filters and the literal parts of regexps). Storage uses them to skip
// blocks whose token filters rule them out. nil means no requirement is known.
func RequiredLiterals(f Filterer) []string {
	switch g := f.(type) {
	case *containsFilter:
		return []string{string(g.lit)}
	case *andFilter:
		var out []string
		for _, h := range g.fs {
			out = append(out, RequiredLiterals(h)...)
		}
		return out
	case *regexpFilter:
		return regexpRequiredLiterals(g.src)
	case *patternFilter:
		return g.p.literals()
	}
	return nil
}
