package syntax

import (
	"regexp"

	"github.com/skaldlogs/skald/pkg/labels"
)

func isStageStart(k tokenKind) bool {
	switch k {
	case tokPipe, tokPipeExact, tokPipeMatch, tokPipePattern, tokNeq, tokNre, tokNpa:
		return true
	}
	return false
}

func isFilterOp(k tokenKind) bool {
	switch k {
	case tokEq, tokCmpEq, tokNeq, tokRe, tokNre, tokGt, tokGte, tokLt, tokLte:
		return true
	}
	return false
}

// parseLogSelector parses {matchers} and the stages after it, stopping before | unwrap.
func (p *parser) parseLogSelector() (*LogSelector, error) {
	ms, err := p.parseMatchers()
	if err != nil {
		return nil, err
	}
	sel := &LogSelector{Mts: ms}
	return sel, p.parseStages(sel)
}

func (p *parser) parseMatchers() ([]*labels.Matcher, error) {
	if _, err := p.expect(tokLBrace); err != nil {
		return nil, err
	}
	var ms []*labels.Matcher
	if p.peek().kind == tokRBrace {
		p.next()
		return ms, nil
	}
	for {
		m, err := p.parseMatcher()
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
		t := p.next()
		switch t.kind {
		case tokComma:
		case tokRBrace:
			return ms, nil
		default:
			return nil, p.unexpected(t, "}", ",")
		}
	}
}

// parseMatcher parses name op "value" with op one of = != =~ !~.
func (p *parser) parseMatcher() (*labels.Matcher, error) {
	name := p.next()
	if name.kind != tokIdent {
		return nil, p.unexpected(name, "IDENTIFIER")
	}
	opTok := p.next()
	var mt labels.MatchType
	switch opTok.kind {
	case tokEq:
		mt = labels.MatchEqual
	case tokNeq:
		mt = labels.MatchNotEqual
	case tokRe:
		mt = labels.MatchRegexp
	case tokNre:
		mt = labels.MatchNotRegexp
	default:
		return nil, p.unexpected(opTok, "=", "!=", "=~", "!~")
	}
	val := p.next()
	if val.kind != tokString {
		return nil, p.unexpected(val, "STRING")
	}
	m, err := labels.NewMatcher(mt, name.text, val.text)
	if err != nil {
		return nil, p.errorAt(val, "syntax error: invalid regex %q: %v", val.text, err)
	}
	return m, nil
}

// parseStages appends pipeline stages to sel until a token that cannot start one, or | unwrap.
func (p *parser) parseStages(sel *LogSelector) error {
	for {
		t := p.peek()
		switch t.kind {
		case tokPipeExact, tokPipeMatch, tokPipePattern, tokNeq, tokNre, tokNpa:
			st, err := p.parseLineFilter()
			if err != nil {
				return err
			}
			sel.Stages = append(sel.Stages, st)
		case tokPipe:
			if n := p.peekN(1); n.kind == tokIdent && n.text == "unwrap" {
				return nil
			}
			p.next()
			st, err := p.parsePipeStage()
			if err != nil {
				return err
			}
			sel.Stages = append(sel.Stages, st)
		default:
			return nil
		}
	}
}

func (p *parser) parseFilterValue() (string, bool, error) {
	t := p.next()
	switch {
	case t.kind == tokString:
		return t.text, false, nil
	case t.kind == tokIdent && t.text == "ip" && p.peek().kind == tokLParen:
		p.next()
		s, err := p.expect(tokString)
		if err != nil {
			return "", false, err
		}
		if _, err := p.expect(tokRParen); err != nil {
			return "", false, err
		}
		return s.text, true, nil
	}
	return "", false, p.unexpected(t, "STRING", "ip")
}

func (p *parser) parseLineFilter() (Stage, error) {
	opTok := p.next()
	st := &LineFilterStage{}
	switch opTok.kind {
	case tokPipeExact:
		st.Op = LineMatchEqual
	case tokNeq:
		st.Op = LineMatchNotEqual
	case tokPipeMatch:
		st.Op = LineMatchRegexp
	case tokNre:
		st.Op = LineMatchNotRegexp
	case tokPipePattern:
		st.Op = LineMatchPattern
	case tokNpa:
		st.Op = LineMatchNotPattern
	}
	valTok := p.peek()
	v, ip, err := p.parseFilterValue()
	if err != nil {
		return nil, err
	}
	if err := p.checkLineFilterValue(st.Op, valTok, v, ip); err != nil {
		return nil, err
	}
	st.Match, st.IP = v, ip
	for p.isIdent("or") {
		n := p.peekN(1)
		if n.kind != tokString && !(n.kind == tokIdent && n.text == "ip") {
			break
		}
		p.next()
		valTok := p.peek()
		v, ip, err := p.parseFilterValue()
		if err != nil {
			return nil, err
		}
		if err := p.checkLineFilterValue(st.Op, valTok, v, ip); err != nil {
			return nil, err
		}
		st.Or = append(st.Or, LineFilterAlt{Match: v, IP: ip})
	}
	return st, nil
}

func (p *parser) checkLineFilterValue(op LineMatchType, at token, v string, ip bool) error {
	if ip {
		if op != LineMatchEqual && op != LineMatchNotEqual {
			return p.errorAt(at, "syntax error: ip() can only be used with |= and !=")
		}
		return nil
	}
	if op == LineMatchRegexp || op == LineMatchNotRegexp {
		if _, err := regexp.Compile(v); err != nil {
			return p.errorAt(at, "syntax error: invalid regex %q: %v", v, err)
		}
	}
	return nil
}

// parsePipeStage parses what follows a lone |.
func (p *parser) parsePipeStage() (Stage, error) {
	t := p.peek()
	if t.kind == tokIdent && !isFilterOp(p.peekN(1).kind) {
		switch t.text {
		case "json", "logfmt":
			return p.parseJSONOrLogfmt()
		case "regexp", "pattern":
			p.next()
			s, err := p.expect(tokString)
			if err != nil {
				return nil, err
			}
			if t.text == "regexp" {
				re, err := regexp.Compile(s.text)
				if err != nil {
					return nil, p.errorAt(s, "syntax error: invalid regex %q: %v", s.text, err)
				}
				if len(re.SubexpNames()) < 2 || !hasNamedGroup(re) {
					return nil, p.errorAt(s, "syntax error: at least one named capture must be supplied")
				}
				return &ParserStage{Kind: ParserRegexp, Param: s.text}, nil
			}
			return &ParserStage{Kind: ParserPattern, Param: s.text}, nil
		case "unpack":
			p.next()
			return &ParserStage{Kind: ParserUnpack}, nil
		case "decolorize":
			p.next()
			return &DecolorizeStage{}, nil
		case "line_format":
			p.next()
			s, err := p.expect(tokString)
			if err != nil {
				return nil, err
			}
			return &LineFormatStage{Template: s.text}, nil
		case "label_format":
			p.next()
			return p.parseLabelFormat()
		case "drop", "keep":
			p.next()
			ms, err := p.parseNamedMatchers()
			if err != nil {
				return nil, err
			}
			if t.text == "drop" {
				return &DropStage{Labels: ms}, nil
			}
			return &KeepStage{Labels: ms}, nil
		}
	}
	f, err := p.parseLabelFilterExpr()
	if err != nil {
		return nil, err
	}
	return &LabelFilterStage{Filter: f}, nil
}

func hasNamedGroup(re *regexp.Regexp) bool {
	for _, n := range re.SubexpNames() {
		if n != "" {
			return true
		}
	}
	return false
}

func (p *parser) parseJSONOrLogfmt() (Stage, error) {
	kind := ParserKind(p.next().text)
	st := &ParserStage{Kind: kind}
	for p.peek().kind == tokFlag {
		f := p.next()
		if kind != ParserLogfmt {
			return nil, p.unexpected(f)
		}
		switch f.text {
		case "--strict":
			st.Strict = true
		case "--keep-empty":
			st.KeepEmpty = true
		}
	}
	if p.peek().kind != tokIdent {
		return st, nil
	}
	for {
		name, err := p.expect(tokIdent)
		if err != nil {
			return nil, err
		}
		le := LabelExtraction{Name: name.text}
		if p.peek().kind == tokEq {
			p.next()
			s, err := p.expect(tokString)
			if err != nil {
				return nil, err
			}
			le.Expr = s.text
		}
		st.Params = append(st.Params, le)
		if p.peek().kind != tokComma {
			return st, nil
		}
		p.next()
	}
}

func (p *parser) parseLabelFormat() (Stage, error) {
	st := &LabelFormatStage{}
	seen := map[string]bool{}
	for {
		name, err := p.expect(tokIdent)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokEq); err != nil {
			return nil, err
		}
		v := p.next()
		switch v.kind {
		case tokIdent:
			st.Fmts = append(st.Fmts, LabelFmt{Name: name.text, Value: v.text, Rename: true})
		case tokString:
			st.Fmts = append(st.Fmts, LabelFmt{Name: name.text, Value: v.text})
		default:
			return nil, p.unexpected(v, "IDENTIFIER", "STRING")
		}
		if seen[name.text] {
			return nil, p.errorAt(name, "syntax error: multiple label name '%s' in label_format", name.text)
		}
		seen[name.text] = true
		if p.peek().kind != tokComma {
			return st, nil
		}
		p.next()
	}
}

func (p *parser) parseNamedMatchers() ([]NamedMatcher, error) {
	var out []NamedMatcher
	for {
		name := p.peek()
		if name.kind != tokIdent {
			return nil, p.unexpected(name, "IDENTIFIER")
		}
		switch p.peekN(1).kind {
		case tokEq, tokNeq, tokRe, tokNre:
			m, err := p.parseMatcher()
			if err != nil {
				return nil, err
			}
			out = append(out, NamedMatcher{Name: m.Name, Matcher: m})
		default:
			p.next()
			out = append(out, NamedMatcher{Name: name.text})
		}
		if p.peek().kind != tokComma {
			return out, nil
		}
		p.next()
	}
}

// parseLabelFilterExpr parses label filters joined by and, or, a comma or juxtaposition, with
// parentheses. Precedence follows Loki's grammar: and binds tighter than or, while a comma or a
// juxtaposition joins the filter just before it with everything after it
// (a="1" b="2", c="3" or d="4" is a and (b and (c or d))).
func (p *parser) parseLabelFilterExpr() (LabelFilter, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorAt(p.peek(), "syntax error: expression nested too deeply")
	}
	left, err := p.parseLabelFilterAndChain()
	if err != nil {
		return nil, err
	}
	for p.isConjunction("or") {
		p.next()
		right, err := p.parseLabelFilterAndChain()
		if err != nil {
			return nil, err
		}
		left = &BinaryLabelFilter{Left: left, Right: right}
	}
	return left, nil
}

// isConjunction reports whether the next token is the keyword kw joining two label filters
// (and not a label that happens to be named "and" or "or").
func (p *parser) isConjunction(kw string) bool {
	if !p.isIdent(kw) {
		return false
	}
	n := p.peekN(1)
	return n.kind == tokLParen || (n.kind == tokIdent && isFilterOp(p.peekN(2).kind))
}

func (p *parser) parseLabelFilterAndChain() (LabelFilter, error) {
	left, err := p.parseLabelFilterUnit()
	if err != nil {
		return nil, err
	}
	for p.isConjunction("and") {
		p.next()
		right, err := p.parseLabelFilterUnit()
		if err != nil {
			return nil, err
		}
		left = &BinaryLabelFilter{And: true, Left: left, Right: right}
	}
	return left, nil
}

// parseLabelFilterUnit parses one filter and, after a comma or a juxtaposed filter, the whole
// rest of the expression as its and-partner.
func (p *parser) parseLabelFilterUnit() (LabelFilter, error) {
	atom, err := p.parseLabelFilterAtom()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); {
	case t.kind == tokComma:
		p.next()
	case t.kind == tokLParen,
		t.kind == tokIdent && isFilterOp(p.peekN(1).kind) && !p.isConjunction("or") && !p.isConjunction("and"):
		// juxtaposition: | a="1" b="2"
	default:
		return atom, nil
	}
	rest, err := p.parseLabelFilterExpr()
	if err != nil {
		return nil, err
	}
	return &BinaryLabelFilter{And: true, Left: atom, Right: rest}, nil
}

func (p *parser) parseLabelFilterAtom() (LabelFilter, error) {
	if p.peek().kind == tokLParen {
		p.next()
		f, err := p.parseLabelFilterExpr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tokRParen); err != nil {
			return nil, err
		}
		return f, nil
	}
	name := p.next()
	if name.kind != tokIdent {
		return nil, p.unexpected(name, "IDENTIFIER", "(")
	}
	opTok := p.next()
	if !isFilterOp(opTok.kind) {
		return nil, p.unexpected(opTok, "=", "!=", "=~", "!~", ">", ">=", "<", "<=", "==")
	}
	v := p.peek()
	switch {
	case v.kind == tokString:
		p.next()
		var mt labels.MatchType
		switch opTok.kind {
		case tokEq, tokCmpEq:
			mt = labels.MatchEqual
		case tokNeq:
			mt = labels.MatchNotEqual
		case tokRe:
			mt = labels.MatchRegexp
		case tokNre:
			mt = labels.MatchNotRegexp
		default:
			return nil, p.unexpected(v, "NUMBER", "DURATION", "BYTES")
		}
		m, err := labels.NewMatcher(mt, name.text, v.text)
		if err != nil {
			return nil, p.errorAt(v, "syntax error: invalid regex %q: %v", v.text, err)
		}
		return &StringLabelFilter{Matcher: m}, nil
	case v.kind == tokIdent && v.text == "ip" && p.peekN(1).kind == tokLParen:
		if opTok.kind != tokEq && opTok.kind != tokCmpEq && opTok.kind != tokNeq {
			return nil, p.unexpected(v, "STRING")
		}
		_, _, err := p.parseFilterValue()
		if err != nil {
			return nil, err
		}
		pattern := p.toks[p.i-2].text
		return &IPLabelFilter{Name: name.text, Negate: opTok.kind == tokNeq, Pattern: pattern}, nil
	}
	op, ok := compareOp(opTok.kind)
	if !ok {
		return nil, p.unexpected(v, "STRING")
	}
	switch v.kind {
	case tokDuration:
		p.next()
		return &DurationLabelFilter{Name: name.text, Op: op, Value: v.dur}, nil
	case tokBytes:
		p.next()
		return &BytesLabelFilter{Name: name.text, Op: op, Value: uint64(v.num), Text: v.text}, nil
	case tokNumber, tokSub, tokAdd:
		f, _, err := p.parseNumberLit()
		if err != nil {
			return nil, err
		}
		return &NumericLabelFilter{Name: name.text, Op: op, Value: f}, nil
	}
	return nil, p.unexpected(v, "STRING", "NUMBER", "DURATION", "BYTES", "ip")
}

func compareOp(k tokenKind) (CompareOp, bool) {
	switch k {
	case tokEq, tokCmpEq:
		return CmpEq, true
	case tokNeq:
		return CmpNeq, true
	case tokGt:
		return CmpGt, true
	case tokGte:
		return CmpGte, true
	case tokLt:
		return CmpLt, true
	case tokLte:
		return CmpLte, true
	}
	return "", false
}
