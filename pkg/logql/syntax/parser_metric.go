package syntax

import (
	"regexp"
	"strings"

	"github.com/skaldlogs/skald/pkg/labels"
)

func (p *parser) parseLabelReplace() (Expr, error) {
	p.next()
	if _, err := p.expect(tokLParen); err != nil {
		return nil, err
	}
	at := p.peek()
	inner, err := p.parseExpr(0)
	if err != nil {
		return nil, err
	}
	m, ok := inner.(MetricExpr)
	if !ok {
		return nil, p.errorAt(at, "syntax error: label_replace needs a metric query")
	}
	var args [4]string
	for i := range args {
		if _, err := p.expect(tokComma); err != nil {
			return nil, err
		}
		s, err := p.expect(tokString)
		if err != nil {
			return nil, err
		}
		args[i] = s.text
	}
	if _, err := p.expect(tokRParen); err != nil {
		return nil, err
	}
	re, err := regexp.Compile("^(?s:" + args[3] + ")$")
	if err != nil {
		return nil, newQueryError("invalid regular expression in label_replace(): %s", args[3])
	}
	if !labels.IsValidName(args[0]) {
		return nil, newQueryError("invalid destination label name in label_replace(): %s", args[0])
	}
	return &LabelReplaceExpr{Left: m, Dst: args[0], Replacement: args[1], Src: args[2], Regex: args[3], Re: re}, nil
}

func (p *parser) parseGrouping() (*Grouping, error) {
	without := p.next().text == "without"
	ls, err := p.parseLabelList()
	if err != nil {
		return nil, err
	}
	return &Grouping{Groups: ls, Without: without}, nil
}

func (p *parser) parseVectorAggregation() (Expr, error) {
	opTok := p.next()
	e := &VectorAggregationExpr{Op: opTok.text}
	var err error
	if p.isIdent("by") || p.isIdent("without") {
		if e.Grouping, err = p.parseGrouping(); err != nil {
			return nil, err
		}
	}
	if _, err := p.expect(tokLParen); err != nil {
		return nil, err
	}
	if e.Op == OpTopK || e.Op == OpBottomK {
		nt := p.next()
		if nt.kind != tokNumber {
			return nil, p.unexpected(nt, "NUMBER")
		}
		if nt.num != float64(int(nt.num)) || strings.ContainsAny(nt.text, ".eE") {
			return nil, newQueryError("invalid parameter %s(%s,", e.Op, nt.text)
		}
		if nt.num <= 0 {
			return nil, newQueryError("invalid parameter (must be greater than 0) %s(%s", e.Op, nt.text)
		}
		e.Param = int(nt.num)
		if _, err := p.expect(tokComma); err != nil {
			return nil, err
		}
	}
	at := p.peek()
	inner, err := p.parseExpr(0)
	if err != nil {
		return nil, err
	}
	m, ok := inner.(MetricExpr)
	if !ok {
		return nil, p.errorAt(at, "syntax error: unexpected %s, %s needs a metric query", at.describe(), e.Op)
	}
	e.Left = m
	if _, err := p.expect(tokRParen); err != nil {
		return nil, err
	}
	if p.isIdent("by") || p.isIdent("without") {
		if e.Grouping != nil {
			return nil, p.unexpected(p.peek())
		}
		if e.Grouping, err = p.parseGrouping(); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (p *parser) parseRangeAggregation() (Expr, error) {
	opTok := p.next()
	p.next() // (
	e := &RangeAggregationExpr{Op: opTok.text}
	if e.Op == OpQuantileOverTime {
		v, _, err := p.parseNumberLit()
		if err != nil {
			return nil, err
		}
		e.Param = &v
		if _, err := p.expect(tokComma); err != nil {
			return nil, err
		}
	}
	lr, err := p.parseLogRange()
	if err != nil {
		return nil, err
	}
	e.Left = lr
	if _, err := p.expect(tokRParen); err != nil {
		return nil, err
	}
	if p.isIdent("by") || p.isIdent("without") {
		if e.Grouping, err = p.parseGrouping(); err != nil {
			return nil, err
		}
	}
	return e, validateRangeAggregation(e, p.anyGrouping)
}

func validateRangeAggregation(e *RangeAggregationExpr, anyGrouping bool) error {
	unwrapped := e.Left.Unwrap != nil
	switch e.Op {
	case OpCountOverTime, OpBytesOverTime, OpBytesRate:
		if unwrapped {
			return newQueryError("invalid aggregation %s with unwrap", e.Op)
		}
	case OpRate, OpAbsentOverTime:
	default:
		if !unwrapped {
			return newQueryError("invalid aggregation %s without unwrap", e.Op)
		}
	}
	if e.Grouping != nil && !unwrapped && !anyGrouping {
		return newQueryError("grouping not allowed for %s aggregation", e.Op)
	}
	return nil
}

// parseLogRange parses the operand of a range aggregation in any of the orders Loki accepts:
// {..} |= "x" | unwrap y [5m] offset 1h, {..}[5m] |= "x", and ({..} |= "x")[5m].
func (p *parser) parseLogRange() (*LogRange, error) {
	lr := &LogRange{}
	var err error
	haveRange := false
	if p.peek().kind == tokLParen {
		p.next()
		if lr.Left, err = p.parseLogSelector(); err != nil {
			return nil, err
		}
		if err := p.maybeUnwrap(lr); err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen); err != nil {
			return nil, err
		}
	} else {
		if p.peek().kind != tokLBrace {
			return nil, p.unexpected(p.peek(), "{")
		}
		if lr.Left, err = p.parseLogSelector(); err != nil {
			return nil, err
		}
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tokRange && !haveRange:
			p.next()
			lr.Interval = t.dur
			haveRange = true
		case t.kind == tokPipe && p.peekN(1).kind == tokIdent && p.peekN(1).text == "unwrap" && lr.Unwrap == nil:
			if err := p.maybeUnwrap(lr); err != nil {
				return nil, err
			}
		case isStageStart(t.kind) && lr.Unwrap == nil:
			if err := p.parseStages(lr.Left); err != nil {
				return nil, err
			}
		case t.kind == tokIdent && t.text == "offset" && haveRange && lr.Offset == 0:
			p.next()
			d, err := p.expect(tokDuration)
			if err != nil {
				return nil, err
			}
			lr.Offset = d.dur
		default:
			if !haveRange {
				return nil, p.unexpected(t, "RANGE")
			}
			return lr, nil
		}
	}
}

func (p *parser) maybeUnwrap(lr *LogRange) error {
	if !(p.peek().kind == tokPipe && p.peekN(1).kind == tokIdent && p.peekN(1).text == "unwrap") {
		return nil
	}
	p.next()
	p.next()
	u := &Unwrap{}
	t := p.next()
	if t.kind != tokIdent {
		return p.unexpected(t, "IDENTIFIER")
	}
	switch {
	case (t.text == ConvDuration || t.text == ConvDurationSeconds || t.text == ConvBytes) && p.peek().kind == tokLParen:
		p.next()
		u.Conversion = t.text
		l, err := p.expect(tokIdent)
		if err != nil {
			return err
		}
		u.Label = l.text
		if _, err := p.expect(tokRParen); err != nil {
			return err
		}
	default:
		u.Label = t.text
	}
	// Only label filters may follow unwrap.
	for p.peek().kind == tokPipe {
		p.next()
		f, err := p.parseLabelFilterExpr()
		if err != nil {
			return err
		}
		u.PostFilters = append(u.PostFilters, f)
	}
	lr.Unwrap = u
	return nil
}
