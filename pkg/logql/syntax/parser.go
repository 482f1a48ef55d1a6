package syntax

import (
	"fmt"
	"strings"

	"github.com/skaldlogs/skald/pkg/labels"
)

// maxDepth bounds nesting so a hostile query cannot exhaust the stack.
const maxDepth = 256

// ParseExpr parses any LogQL query: a log query (*LogSelector) or a metric query (MetricExpr).
// Every stream selector in it must pass the empty-matcher rule.
func ParseExpr(q string) (Expr, error) {
	e, err := parseNoValidate(q)
	if err != nil {
		return nil, err
	}
	if err := validateExpr(e); err != nil {
		return nil, err
	}
	return e, nil
}

// ParseLogSelector parses a log query: a stream selector and its pipeline. With validate, the
// selector must contain a matcher that does not match the empty value.
func ParseLogSelector(q string, validate bool) (LogSelectorExpr, error) {
	e, err := parseNoValidate(q)
	if err != nil {
		return nil, err
	}
	sel, ok := e.(*LogSelector)
	if !ok {
		return nil, newQueryError("only log queries are supported here, got a metric query")
	}
	if validate {
		if err := validateMatchers(sel.Mts); err != nil {
			return nil, err
		}
	}
	return sel, nil
}

// ParseSampleExpr parses one range aggregation, the unit data sources evaluate. Unlike
// ParseExpr it accepts by/without on every range aggregation: the engine pushes a vector
// aggregation's grouping into the range aggregation it sends to data sources
// (sum by (level) (count_over_time(...)) becomes count_over_time(...) by (level)).
func ParseSampleExpr(q string) (SampleExpr, error) {
	e, err := parse(q, true)
	if err == nil {
		err = validateExpr(e)
	}
	if err != nil {
		return nil, err
	}
	ra, ok := e.(*RangeAggregationExpr)
	if !ok {
		return nil, newQueryError("only range aggregations are supported here, got %s", q)
	}
	return ra, nil
}

// ParseMetricExpr parses a metric query.
func ParseMetricExpr(q string) (MetricExpr, error) {
	e, err := ParseExpr(q)
	if err != nil {
		return nil, err
	}
	m, ok := e.(MetricExpr)
	if !ok {
		return nil, newQueryError("only metric queries are supported here, got a log query")
	}
	return m, nil
}

func parseNoValidate(q string) (Expr, error) { return parse(q, false) }

func parse(q string, anyGrouping bool) (Expr, error) {
	toks, err := lexAll(q)
	if err != nil {
		return nil, err
	}
	p := &parser{src: q, toks: toks, anyGrouping: anyGrouping}
	e, err := p.parseExpr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.unexpected(t)
	}
	return e, nil
}

// validateMatchers applies Loki's rule that a selector must not match every stream.
func validateMatchers(ms []*labels.Matcher) error {
	for _, m := range ms {
		if (m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp) && !m.Matches("") {
			return nil
		}
	}
	return newQueryError("%s", errEmptyMatchersMsg)
}

// validateExpr checks every selector's matchers and compiles every pipeline and extractor, so
// that a bad template, pattern or address range is a parse error (400) and not a failure deep
// inside a data source.
func validateExpr(e Expr) error {
	var err error
	Walk(e, func(x Expr) {
		if err != nil {
			return
		}
		switch x := x.(type) {
		case *LogSelector:
			if err = validateMatchers(x.Mts); err == nil {
				if _, cerr := compileStages(x.Stages); cerr != nil {
					err = newQueryError("%s", cerr.Error())
				}
			}
		case *RangeAggregationExpr:
			if _, cerr := x.Extractor(); cerr != nil {
				err = newQueryError("%s", cerr.Error())
			}
		}
	})
	return err
}

// Walk calls f for e and every expression below it, parents first.
func Walk(e Expr, f func(Expr)) {
	f(e)
	switch e := e.(type) {
	case *RangeAggregationExpr:
		Walk(e.Left.Left, f)
	case *VectorAggregationExpr:
		Walk(e.Left, f)
	case *BinOpExpr:
		Walk(e.LHS, f)
		Walk(e.RHS, f)
	case *LabelReplaceExpr:
		Walk(e.Left, f)
	}
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
	// anyGrouping allows by/without on every range aggregation (ParseSampleExpr).
	anyGrouping bool
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekN(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) unexpected(t token, expecting ...string) error {
	msg := "syntax error: unexpected " + t.describe()
	if len(expecting) > 0 {
		msg += ", expecting " + strings.Join(expecting, " or ")
	}
	return newParseError(p.src, t.pos, msg)
}

func (p *parser) errorAt(t token, format string, args ...any) error {
	return newParseError(p.src, t.pos, fmt.Sprintf(format, args...))
}

func (p *parser) expect(k tokenKind) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.unexpected(t, k.String())
	}
	return t, nil
}

func (p *parser) isIdent(text string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == text
}

// binary operator precedence, lowest first, as in Prometheus.
func binOpPrec(t token) (string, int, bool) {
	switch t.kind {
	case tokIdent:
		switch t.text {
		case "or":
			return "or", 1, true
		case "and", "unless":
			return t.text, 2, true
		}
	case tokCmpEq, tokNeq, tokGt, tokGte, tokLt, tokLte:
		return t.text, 3, true
	case tokAdd, tokSub:
		return t.text, 4, true
	case tokMul, tokDiv, tokMod:
		return t.text, 5, true
	case tokPow:
		return t.text, 6, true
	}
	return "", 0, false
}

func (p *parser) parseExpr(minPrec int) (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorAt(p.peek(), "syntax error: expression nested too deeply")
	}
	lhs, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for {
		opTok := p.peek()
		op, prec, ok := binOpPrec(opTok)
		if !ok || prec < minPrec {
			return lhs, nil
		}
		p.next()
		opts, err := p.parseBinOpModifiers(op)
		if err != nil {
			return nil, err
		}
		nextMin := prec + 1
		if op == "^" {
			nextMin = prec // right-associative
		}
		rhs, err := p.parseExpr(nextMin)
		if err != nil {
			return nil, err
		}
		lhs, err = p.newBinOp(opTok, op, lhs, rhs, opts)
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) newBinOp(at token, op string, lhs, rhs Expr, opts BinOpOptions) (Expr, error) {
	l, lok := lhs.(MetricExpr)
	r, rok := rhs.(MetricExpr)
	if !lok || !rok {
		return nil, p.errorAt(at, "syntax error: unexpected %s, log queries cannot be operands of binary operations", at.describe())
	}
	_, lLit := l.(*LiteralExpr)
	_, rLit := r.(*LiteralExpr)
	if lLit && rLit {
		if IsComparisonOp(op) && !opts.ReturnBool {
			return nil, newQueryError("comparisons between scalars must use BOOL modifier")
		}
		if IsSetOp(op) {
			return nil, newQueryError("set operator %q not allowed in binary scalar expression", op)
		}
	}
	if IsSetOp(op) && (lLit || rLit) {
		return nil, newQueryError("set operator %q not allowed in binary scalar expression", op)
	}
	if opts.VectorMatching != nil && (lLit || rLit) {
		return nil, newQueryError("vector matching only allowed between vectors")
	}
	return &BinOpExpr{Op: op, LHS: l, RHS: r, Opts: opts}, nil
}

func (p *parser) parseBinOpModifiers(op string) (BinOpOptions, error) {
	var opts BinOpOptions
	if p.isIdent("bool") {
		t := p.next()
		if !IsComparisonOp(op) {
			return opts, p.errorAt(t, "syntax error: bool modifier can only be used on comparison operators")
		}
		opts.ReturnBool = true
	}
	if p.isIdent("on") || p.isIdent("ignoring") {
		on := p.next().text == "on"
		ls, err := p.parseLabelList()
		if err != nil {
			return opts, err
		}
		opts.VectorMatching = &VectorMatching{On: on, MatchingLabels: ls}
		if IsSetOp(op) {
			opts.VectorMatching.Card = CardManyToMany
		}
		if p.isIdent("group_left") || p.isIdent("group_right") {
			t := p.next()
			if IsSetOp(op) {
				return opts, p.errorAt(t, "syntax error: no grouping allowed for %q operation", op)
			}
			opts.VectorMatching.Card = CardManyToOne
			if t.text == "group_right" {
				opts.VectorMatching.Card = CardOneToMany
			}
			if p.peek().kind == tokLParen {
				inc, err := p.parseLabelList()
				if err != nil {
					return opts, err
				}
				opts.VectorMatching.Include = inc
			}
		}
	} else if IsSetOp(op) {
		opts.VectorMatching = &VectorMatching{Card: CardManyToMany}
	}
	return opts, nil
}

// parseLabelList parses ( a, b, c ); the list may be empty.
func (p *parser) parseLabelList() ([]string, error) {
	if _, err := p.expect(tokLParen); err != nil {
		return nil, err
	}
	var out []string
	if p.peek().kind == tokRParen {
		p.next()
		return out, nil
	}
	for {
		t := p.next()
		if t.kind != tokIdent {
			return nil, p.unexpected(t, "IDENTIFIER")
		}
		out = append(out, t.text)
		t = p.next()
		switch t.kind {
		case tokComma:
			continue
		case tokRParen:
			return out, nil
		default:
			return nil, p.unexpected(t, ",", ")")
		}
	}
}

func (p *parser) parseNumberLit() (float64, token, error) {
	neg := false
	t := p.peek()
	if t.kind == tokSub || t.kind == tokAdd {
		p.next()
		neg = t.kind == tokSub
	}
	n := p.next()
	if n.kind != tokNumber {
		return 0, n, p.unexpected(n, "NUMBER")
	}
	if neg {
		return -n.num, t, nil
	}
	return n.num, t, nil
}

func (p *parser) parsePrimary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tokNumber, tokSub, tokAdd:
		v, _, err := p.parseNumberLit()
		if err != nil {
			return nil, err
		}
		return &LiteralExpr{Val: v}, nil
	case tokLParen:
		p.next()
		e, err := p.parseExpr(0)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		return e, nil
	case tokLBrace:
		sel, err := p.parseLogSelector()
		if err != nil {
			return nil, err
		}
		if p.peek().kind == tokPipe && p.peekN(1).kind == tokIdent && p.peekN(1).text == "unwrap" {
			return nil, p.unexpected(p.peekN(1))
		}
		return sel, nil
	case tokIdent:
		switch {
		case isRangeOp(t.text) && p.peekN(1).kind == tokLParen:
			return p.parseRangeAggregation()
		case isVectorOp(t.text):
			return p.parseVectorAggregation()
		case t.text == "label_replace":
			return p.parseLabelReplace()
		case t.text == "vector":
			p.next()
			if _, err := p.expect(tokLParen); err != nil {
				return nil, err
			}
			v, _, err := p.parseNumberLit()
			if err != nil {
				return nil, err
			}
			if _, err := p.expect(tokRParen); err != nil {
				return nil, err
			}
			return &VectorExpr{Val: v}, nil
		}
	}
	return nil, p.unexpected(t)
}
