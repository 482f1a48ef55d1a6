package syntax

import (
	"fmt"

	"github.com/skaldlogs/skald/pkg/logql/log"
)

// Pipeline compiles the selector's stages with pkg/logql/log's stage constructors.
func (e *LogSelector) Pipeline() (log.Pipeline, error) {
	stages, err := compileStages(e.Stages)
	if err != nil {
		return nil, err
	}
	if len(stages) == 0 {
		return log.NewNoopPipeline(), nil
	}
	return log.NewPipeline(stages), nil
}

func compileStages(in []Stage) ([]log.Stage, error) {
	out := make([]log.Stage, 0, len(in))
	for _, s := range in {
		st, err := compileStage(s)
		if err != nil {
			return nil, &StageError{Stage: s.String(), Err: err}
		}
		out = append(out, st)
	}
	return out, nil
}

// StageError is a pipeline stage that does not compile (a bad template, pattern, address range
// or JSON path). Its text is Loki's: stage '| line_format "{{"' : <reason>.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string { return "stage '" + e.Stage + "' : " + e.Err.Error() }

func (e *StageError) Unwrap() error { return e.Err }

func lineFilterOp(t LineMatchType) log.LineFilterOp {
	switch t {
	case LineMatchEqual:
		return log.LineMatchEqual
	case LineMatchNotEqual:
		return log.LineMatchNotEqual
	case LineMatchRegexp:
		return log.LineMatchRegexp
	case LineMatchNotRegexp:
		return log.LineMatchNotRegexp
	case LineMatchPattern:
		return log.LineMatchPattern
	case LineMatchNotPattern:
		return log.LineMatchNotPattern
	}
	panic("BUG: unknown line match type")
}

// positive maps a negative operator to its positive form.
func positive(t LineMatchType) LineMatchType {
	switch t {
	case LineMatchNotEqual:
		return LineMatchEqual
	case LineMatchNotRegexp:
		return LineMatchRegexp
	case LineMatchNotPattern:
		return LineMatchPattern
	}
	return t
}

func compileLineFilter(s *LineFilterStage) (log.Filterer, error) {
	alts := append([]LineFilterAlt{{Match: s.Match, IP: s.IP}}, s.Or...)
	hasIP := false
	matches := make([]string, len(alts))
	for i, a := range alts {
		hasIP = hasIP || a.IP
		matches[i] = a.Match
	}
	if !hasIP {
		return log.NewLineFilterOr(lineFilterOp(s.Op), matches...)
	}
	// Mixed ip() and string alternatives: or the positive forms, then negate once.
	fs := make([]log.Filterer, len(alts))
	for i, a := range alts {
		var err error
		if a.IP {
			fs[i], err = log.NewIPLineFilter(a.Match, false)
		} else {
			fs[i], err = log.NewLineFilter(lineFilterOp(positive(s.Op)), a.Match)
		}
		if err != nil {
			return nil, err
		}
	}
	f := log.NewOrFilter(fs...)
	if s.Op.Negative() {
		f = log.NewNotFilter(f)
	}
	return f, nil
}

func extractionExprs(ps []LabelExtraction) []log.LabelExtractionExpr {
	out := make([]log.LabelExtractionExpr, len(ps))
	for i, p := range ps {
		expr := p.Expr
		if expr == "" {
			expr = p.Name // `| json a` extracts the field a
		}
		out[i] = log.LabelExtractionExpr{Identifier: p.Name, Expression: expr}
	}
	return out
}

func labelMatches(ms []NamedMatcher) []log.LabelMatch {
	out := make([]log.LabelMatch, len(ms))
	for i, m := range ms {
		out[i] = log.LabelMatch{Name: m.Name, Matcher: m.Matcher}
	}
	return out
}

func compileStage(s Stage) (log.Stage, error) {
	switch s := s.(type) {
	case *LineFilterStage:
		f, err := compileLineFilter(s)
		if err != nil {
			return nil, err
		}
		return log.NewFilterStage(f), nil
	case *ParserStage:
		switch s.Kind {
		case ParserJSON:
			if len(s.Params) == 0 {
				return log.NewJSONParser(), nil
			}
			return log.NewJSONExpressionParser(extractionExprs(s.Params))
		case ParserLogfmt:
			if len(s.Params) == 0 {
				return log.NewLogfmtParser(s.Strict, s.KeepEmpty), nil
			}
			return log.NewLogfmtExpressionParser(extractionExprs(s.Params), s.Strict, s.KeepEmpty)
		case ParserRegexp:
			return log.NewRegexpParser(s.Param)
		case ParserPattern:
			return log.NewPatternParser(s.Param)
		case ParserUnpack:
			return log.NewUnpackParser(), nil
		}
	case *LabelFilterStage:
		return compileLabelFilter(s.Filter)
	case *LineFormatStage:
		return log.NewLineFormatter(s.Template)
	case *LabelFormatStage:
		fmts := make([]log.LabelFmt, len(s.Fmts))
		for i, f := range s.Fmts {
			fmts[i] = log.LabelFmt{Name: f.Name, Value: f.Value, Rename: f.Rename}
		}
		return log.NewLabelsFormatter(fmts)
	case *DropStage:
		return log.NewDropLabels(labelMatches(s.Labels)), nil
	case *KeepStage:
		return log.NewKeepLabels(labelMatches(s.Labels)), nil
	case *DecolorizeStage:
		return log.NewDecolorizer(), nil
	}
	return nil, fmt.Errorf("unknown stage %T", s)
}

func labelFilterOp(op CompareOp) log.LabelFilterOp {
	switch op {
	case CmpEq:
		return log.LabelFilterEqual
	case CmpNeq:
		return log.LabelFilterNotEqual
	case CmpGt:
		return log.LabelFilterGreaterThan
	case CmpGte:
		return log.LabelFilterGreaterThanOrEqual
	case CmpLt:
		return log.LabelFilterLesserThan
	case CmpLte:
		return log.LabelFilterLesserThanOrEqual
	}
	panic("BUG: unknown compare op " + string(op))
}

func compileLabelFilter(f LabelFilter) (log.Stage, error) {
	switch f := f.(type) {
	case *BinaryLabelFilter:
		l, err := compileLabelFilter(f.Left)
		if err != nil {
			return nil, err
		}
		r, err := compileLabelFilter(f.Right)
		if err != nil {
			return nil, err
		}
		if f.And {
			return log.NewAndLabelFilter(l, r), nil
		}
		return log.NewOrLabelFilter(l, r), nil
	case *StringLabelFilter:
		return log.NewStringLabelFilter(f.Matcher), nil
	case *NumericLabelFilter:
		return log.NewNumericLabelFilter(labelFilterOp(f.Op), f.Name, f.Value), nil
	case *DurationLabelFilter:
		return log.NewDurationLabelFilter(labelFilterOp(f.Op), f.Name, f.Value), nil
	case *BytesLabelFilter:
		return log.NewBytesLabelFilter(labelFilterOp(f.Op), f.Name, f.Value), nil
	case *IPLabelFilter:
		op := log.LabelFilterEqual
		if f.Negate {
			op = log.LabelFilterNotEqual
		}
		return log.NewIPLabelFilter(f.Pattern, f.Name, op)
	}
	return nil, fmt.Errorf("unknown label filter %T", f)
}

// Extractor compiles the pipeline and the value extraction of the range aggregation: 1 per
// line for count_over_time and rate, the line's length for bytes_*, the unwrapped label
// otherwise. The aggregation's by/without is pushed into the extractor so series are reduced
// while lines are read.
func (e *RangeAggregationExpr) Extractor() (log.SampleExtractor, error) {
	stages, err := compileStages(e.Left.Left.Stages)
	if err != nil {
		return nil, err
	}
	var g *log.Grouping
	if e.Grouping != nil {
		g = &log.Grouping{Groups: e.Grouping.Groups, Without: e.Grouping.Without}
	}
	u := e.Left.Unwrap
	if u == nil {
		kind := log.CountExtraction
		if e.Op == OpBytesOverTime || e.Op == OpBytesRate {
			kind = log.BytesExtraction
		}
		return log.NewLineSampleExtractor(kind, stages, g), nil
	}
	post := make([]log.Stage, 0, len(u.PostFilters))
	for _, f := range u.PostFilters {
		st, err := compileLabelFilter(f)
		if err != nil {
			return nil, &StageError{Stage: "| " + f.String(), Err: err}
		}
		post = append(post, st)
	}
	conv := log.ConvertFloat
	switch u.Conversion {
	case ConvDuration:
		conv = log.ConvertDuration
	case ConvDurationSeconds:
		conv = log.ConvertDurationSeconds
	case ConvBytes:
		conv = log.ConvertBytes
	}
	return log.NewLabelSampleExtractor(stages, u.Label, conv, post, g)
}
