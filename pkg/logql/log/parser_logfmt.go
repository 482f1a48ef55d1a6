package log

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/skaldlogs/skald/pkg/labels"
)

// logfmtSyntaxError is a logfmt decoding error, worded as Loki reports it in
// __error_details__.
type logfmtSyntaxError struct {
	msg string
	pos int
}

func (e *logfmtSyntaxError) Error() string {
	return "logfmt syntax error at pos " + strconv.Itoa(e.pos) + " : " + e.msg
}

// logfmtScanner walks key=value pairs of one line without allocating.
type logfmtScanner struct {
	data   []byte
	pos    int
	key    []byte
	val    []byte
	valBuf []byte
	err    logfmtSyntaxError
}

func (s *logfmtScanner) reset(line []byte) {
	s.data, s.pos = line, 0
}

// next scans the next pair. It returns more=false at the end of the line, and ok=false for
// a pair with a syntax error (s.err describes it; the scanner has skipped past it).
func (s *logfmtScanner) next() (more, ok bool) {
	d := s.data
	for s.pos < len(d) && d[s.pos] <= ' ' {
		s.pos++
	}
	if s.pos >= len(d) {
		return false, false
	}
	start := s.pos
	for s.pos < len(d) {
		c := d[s.pos]
		if c <= ' ' || c == '=' {
			break
		}
		if c == '"' {
			return true, s.fail("unexpected '\"'")
		}
		s.pos++
	}
	s.key = d[start:s.pos]
	if len(s.key) == 0 {
		return true, s.fail("unexpected '='")
	}
	if !utf8.Valid(s.key) {
		return true, s.fail("invalid key")
	}
	s.val = nil
	if s.pos >= len(d) || d[s.pos] <= ' ' {
		return true, true // a key on its own
	}
	s.pos++ // '='
	if s.pos >= len(d) || d[s.pos] <= ' ' {
		return true, true
	}
	if d[s.pos] == '"' {
		q := s.pos
		esc := false
		s.pos++
		for s.pos < len(d) && d[s.pos] != '"' {
			if d[s.pos] == '\\' {
				esc = true
				s.pos++
			}
			s.pos++
		}
		if s.pos >= len(d) {
			s.pos = len(d)
			s.err = logfmtSyntaxError{msg: "unterminated quoted value", pos: len(d) + 1}
			return true, false
		}
		s.val = d[q+1 : s.pos]
		s.pos++
		if esc {
			var err error
			if s.valBuf, err = appendUnescaped(s.valBuf[:0], s.val); err != nil {
				s.err = logfmtSyntaxError{msg: "invalid quoted value", pos: s.pos + 1}
				return true, false
			}
			s.val = s.valBuf
		}
		return true, true
	}
	vs := s.pos
	for s.pos < len(d) && d[s.pos] > ' ' {
		switch d[s.pos] {
		case '=':
			return true, s.fail("unexpected '='")
		case '"':
			return true, s.fail("unexpected '\"'")
		}
		s.pos++
	}
	s.val = d[vs:s.pos]
	return true, true
}

// fail records an error at the current position and skips to the next space.
func (s *logfmtScanner) fail(msg string) bool {
	s.err = logfmtSyntaxError{msg: msg, pos: s.pos + 1}
	for s.pos < len(s.data) && s.data[s.pos] > ' ' {
		s.pos++
	}
	return false
}

// logfmtParser is `| logfmt [--strict] [--keep-empty] [fields]`.
type logfmtParser struct {
	strict, keepEmpty bool
	// exprs maps a key to the labels it fills (nil: extract every key).
	ids   []string
	exprs []string

	sc      logfmtScanner
	keyBuf  []byte
	fixBuf  []byte
	keys    keyInterner
	idNames []string
	seen    seenKeys
	only    map[string]struct{} // parser hints: set only these labels (nil: all)
}

// NewLogfmtParser returns `| logfmt`. Without strict, pairs with syntax errors are skipped and
// no error is set; with strict, parsing stops at the first error and sets
// __error__=LogfmtParserErr. Without keepEmpty, keys with empty values are not extracted.
func NewLogfmtParser(strict, keepEmpty bool) Stage {
	return &logfmtParser{strict: strict, keepEmpty: keepEmpty}
}

// NewLogfmtExpressionParser returns `| logfmt id="key", …` (and `| logfmt key, …` with
// Identifier == Expression): only the named keys are extracted, and each label is set to ""
// when its key is absent.
func NewLogfmtExpressionParser(exprs []LabelExtractionExpr, strict, keepEmpty bool) (Stage, error) {
	if len(exprs) == 0 {
		return nil, fmt.Errorf("no logfmt expression provided")
	}
	p := &logfmtParser{strict: strict, keepEmpty: keepEmpty}
	for _, e := range exprs {
		if !labels.IsValidName(e.Identifier) {
			return nil, fmt.Errorf("invalid extracted label name '%s'", e.Identifier)
		}
		if e.Expression == "" {
			return nil, fmt.Errorf("cannot parse expression [%s]: empty key", e.Expression)
		}
		p.ids = append(p.ids, e.Identifier)
		p.exprs = append(p.exprs, e.Expression)
	}
	return p, nil
}

func (p *logfmtParser) forStream() Stage {
	return &logfmtParser{strict: p.strict, keepEmpty: p.keepEmpty, ids: p.ids, exprs: p.exprs}
}

func (p *logfmtParser) Process(_ int64, line []byte, lbs *LabelsBuilder) ([]byte, bool) {
	if p.ids != nil {
		p.initIDs(lbs)
		for _, id := range p.ids {
			if !lbs.BaseHas(id) {
				lbs.Set(ParsedCategory, id, "")
			}
		}
	}
	p.sc.reset(line)
	p.seen = p.seen[:0]
	p.keys.reset()
	for {
		more, ok := p.sc.next()
		if !more {
			break
		}
		if !ok {
			if p.strict {
				lbs.SetErr(ErrLogfmt)
				lbs.SetErrorDetails(p.sc.err.Error())
				return line, true
			}
			continue
		}
		val := p.sc.val
		if !validUTF8Value(val) {
			if p.ids != nil {
				val = nil // the expression form drops such values
			} else {
				p.fixBuf = spaceInvalidUTF8(p.fixBuf[:0], val)
				val = p.fixBuf
			}
		}
		if p.ids != nil {
			p.setExpr(val, lbs) // requested keys are kept even when empty
			continue
		}
		if !p.keepEmpty && len(val) == 0 {
			continue
		}
		p.keyBuf = appendSanitized(p.keyBuf[:0], p.sc.key)
		if len(p.keyBuf) == 0 {
			continue
		}
		name := p.keys.get(p.keyBuf, func() string { return parsedName(string(p.keyBuf), lbs) })
		if wanted(p.only, name) && p.seen.firstTime(name) {
			lbs.Set(ParsedCategory, name, lbs.internValue(val))
		}
	}
	return line, true
}

func (p *logfmtParser) initIDs(lbs *LabelsBuilder) {
	if p.idNames != nil {
		return
	}
	p.idNames = make([]string, len(p.ids))
	for i, id := range p.ids {
		p.idNames[i] = id
		if lbs.BaseHas(id) {
			p.idNames[i] = id + duplicateSuffix
		}
	}
}

func (p *logfmtParser) setExpr(val []byte, lbs *LabelsBuilder) {
	key := p.sc.key
	for i, e := range p.exprs {
		if string(key) == e && p.seen.firstTime(p.idNames[i]) {
			lbs.Set(ParsedCategory, p.idNames[i], lbs.internValue(val))
		}
	}
}
