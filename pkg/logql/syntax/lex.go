package syntax

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// tokenKind classifies a lexeme. Names follow Loki's grammar tokens so that error messages read
// the same ("unexpected IDENTIFIER").
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokNumber
	tokDuration
	tokBytes
	tokRange // [5m]
	tokLBrace
	tokRBrace
	tokLParen
	tokRParen
	tokComma
	tokPipe        // |
	tokPipeExact   // |=
	tokPipeMatch   // |~
	tokPipePattern // |>
	tokNeq         // !=
	tokNre         // !~
	tokNpa         // !>
	tokEq          // =
	tokCmpEq       // ==
	tokRe          // =~
	tokGt
	tokGte
	tokLt
	tokLte
	tokAdd
	tokSub
	tokMul
	tokDiv
	tokMod
	tokPow
	tokFlag // --strict, --keep-empty
)

var tokenNames = [...]string{
	tokEOF:         "$end",
	tokIdent:       "IDENTIFIER",
	tokString:      "STRING",
	tokNumber:      "NUMBER",
	tokDuration:    "DURATION",
	tokBytes:       "BYTES",
	tokRange:       "RANGE",
	tokLBrace:      "{",
	tokRBrace:      "}",
	tokLParen:      "(",
	tokRParen:      ")",
	tokComma:       ",",
	tokPipe:        "|",
	tokPipeExact:   "|=",
	tokPipeMatch:   "|~",
	tokPipePattern: "|>",
	tokNeq:         "!=",
	tokNre:         "!~",
	tokNpa:         "!>",
	tokEq:          "=",
	tokCmpEq:       "==",
	tokRe:          "=~",
	tokGt:          ">",
	tokGte:         ">=",
	tokLt:          "<",
	tokLte:         "<=",
	tokAdd:         "+",
	tokSub:         "-",
	tokMul:         "*",
	tokDiv:         "/",
	tokMod:         "%",
	tokPow:         "^",
	tokFlag:        "PARSER_FLAG",
}

func (k tokenKind) String() string {
	if int(k) < len(tokenNames) {
		return tokenNames[k]
	}
	return "UNKNOWN"
}

// keywordNames gives the grammar names of identifiers that act as keywords, for messages only.
var keywordNames = map[string]string{
	"by": "BY", "without": "WITHOUT", "bool": "BOOL", "on": "ON", "ignoring": "IGNORING",
	"group_left": "GROUP_LEFT", "group_right": "GROUP_RIGHT", "offset": "OFFSET",
	"and": "AND", "or": "OR", "unless": "UNLESS", "json": "JSON", "logfmt": "LOGFMT",
	"regexp": "REGEXP", "pattern": "PATTERN", "unpack": "UNPACK", "line_format": "LINE_FMT",
	"label_format": "LABEL_FMT", "drop": "DROP", "keep": "KEEP", "decolorize": "DECOLORIZE",
	"unwrap": "UNWRAP", "ip": "IP", "label_replace": "LABEL_REPLACE", "vector": "VECTOR",
}

type token struct {
	kind tokenKind
	text string // identifier name, unquoted string, or the raw lexeme
	num  float64
	dur  time.Duration
	pos  int // byte offset of the token's first character
}

// describe names a token in an "unexpected X" message.
func (t token) describe() string {
	if t.kind == tokIdent {
		if name, ok := keywordNames[t.text]; ok {
			return name
		}
		if isRangeOp(t.text) || isVectorOp(t.text) {
			return strings.ToUpper(t.text)
		}
	}
	return t.kind.String()
}

// lexer turns a query into tokens. It reports the first error it meets.
type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9') || c == ':'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skip passes over white space and # comments.
func (l *lexer) skip() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			return
		}
	}
}

func (l *lexer) next() (token, error) {
	l.skip()
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	two := ""
	if l.pos+1 < len(l.src) {
		two = l.src[l.pos : l.pos+2]
	}
	tok := func(k tokenKind, n int) (token, error) {
		l.pos += n
		return token{kind: k, text: l.src[start:l.pos], pos: start}, nil
	}
	switch two {
	case "|=":
		return tok(tokPipeExact, 2)
	case "|~":
		return tok(tokPipeMatch, 2)
	case "|>":
		return tok(tokPipePattern, 2)
	case "!=":
		return tok(tokNeq, 2)
	case "!~":
		return tok(tokNre, 2)
	case "!>":
		return tok(tokNpa, 2)
	case "==":
		return tok(tokCmpEq, 2)
	case "=~":
		return tok(tokRe, 2)
	case ">=":
		return tok(tokGte, 2)
	case "<=":
		return tok(tokLte, 2)
	case "--":
		for _, f := range []string{"--strict", "--keep-empty"} {
			if strings.HasPrefix(l.src[l.pos:], f) && (l.pos+len(f) == len(l.src) || !isIdentChar(l.src[l.pos+len(f)]) && l.src[l.pos+len(f)] != '-') {
				return tok(tokFlag, len(f))
			}
		}
	}
	switch c {
	case '{':
		return tok(tokLBrace, 1)
	case '}':
		return tok(tokRBrace, 1)
	case '(':
		return tok(tokLParen, 1)
	case ')':
		return tok(tokRParen, 1)
	case ',':
		return tok(tokComma, 1)
	case '|':
		return tok(tokPipe, 1)
	case '=':
		return tok(tokEq, 1)
	case '>':
		return tok(tokGt, 1)
	case '<':
		return tok(tokLt, 1)
	case '+':
		return tok(tokAdd, 1)
	case '-':
		return tok(tokSub, 1)
	case '*':
		return tok(tokMul, 1)
	case '/':
		return tok(tokDiv, 1)
	case '%':
		return tok(tokMod, 1)
	case '^':
		return tok(tokPow, 1)
	case '"', '`':
		return l.str()
	case '[':
		return l.rangeTok()
	}
	if isIdentStart(c) {
		for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tokIdent, text: l.src[start:l.pos], pos: start}, nil
	}
	if isDigit(c) || (c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])) {
		return l.number()
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.pos:])
	return token{}, newParseError(l.src, start, "syntax error: unexpected character: "+strconv.QuoteRune(r))
}

func (l *lexer) str() (token, error) {
	start := l.pos
	q := l.src[l.pos]
	l.pos++
	if q == '`' {
		end := strings.IndexByte(l.src[l.pos:], '`')
		if end < 0 {
			l.pos = len(l.src)
			return token{}, newParseError(l.src, start, "literal not terminated")
		}
		l.pos += end + 1
		return token{kind: tokString, text: l.src[start+1 : l.pos-1], pos: start}, nil
	}
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\\':
			l.pos += 2
			continue
		case '\n':
			return token{}, newParseError(l.src, start, "literal not terminated")
		case '"':
			l.pos++
			s, err := strconv.Unquote(l.src[start:l.pos])
			if err != nil {
				return token{}, newParseError(l.src, start, "invalid quoted string "+l.src[start:l.pos]+": "+err.Error())
			}
			return token{kind: tokString, text: s, pos: start}, nil
		}
		l.pos++
	}
	l.pos = len(l.src)
	return token{}, newParseError(l.src, start, "literal not terminated")
}

// rangeTok lexes [5m] as one token, as Loki does, so that "[" never needs a grammar rule.
func (l *lexer) rangeTok() (token, error) {
	start := l.pos
	end := strings.IndexByte(l.src[l.pos:], ']')
	if end < 0 {
		l.pos = len(l.src)
		return token{}, newParseError(l.src, start, "missing closing ']' in duration")
	}
	inner := strings.TrimSpace(l.src[l.pos+1 : l.pos+end])
	l.pos += end + 1
	d, err := parseDuration(inner)
	if err != nil {
		return token{}, newParseError(l.src, start, "syntax error: invalid range "+strconv.Quote(inner)+": "+err.Error())
	}
	return token{kind: tokRange, text: l.src[start:l.pos], dur: d, pos: start}, nil
}

// number lexes a number, a duration (10ms, 1h30m) or a byte size (20KB, 1.5KiB).
func (l *lexer) number() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || l.src[l.pos] == '.') {
		l.pos++
	}
	// An exponent belongs to a plain number: 1e3, 2.5E-2.
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		p := l.pos + 1
		if p < len(l.src) && (l.src[p] == '+' || l.src[p] == '-') {
			p++
		}
		if p < len(l.src) && isDigit(l.src[p]) {
			for p < len(l.src) && isDigit(l.src[p]) {
				p++
			}
			if p >= len(l.src) || !isIdentChar(l.src[p]) {
				l.pos = p
			}
		}
	}
	if l.pos < len(l.src) && (isIdentStart(l.src[l.pos]) || strings.HasPrefix(l.src[l.pos:], "µ")) {
		for l.pos < len(l.src) && (isIdentChar(l.src[l.pos]) || l.src[l.pos] == '.' || strings.HasPrefix(l.src[l.pos:], "µ")) {
			if strings.HasPrefix(l.src[l.pos:], "µ") {
				l.pos += len("µ")
				continue
			}
			l.pos++
		}
		text := l.src[start:l.pos]
		if d, err := parseDuration(text); err == nil {
			return token{kind: tokDuration, text: text, dur: d, pos: start}, nil
		}
		if b, err := parseBytes(text); err == nil {
			return token{kind: tokBytes, text: text, num: float64(b), pos: start}, nil
		}
		return token{}, newParseError(l.src, start, "syntax error: unexpected IDENTIFIER: invalid number, duration or bytes "+strconv.Quote(text))
	}
	text := l.src[start:l.pos]
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, newParseError(l.src, start, "syntax error: invalid number "+strconv.Quote(text))
	}
	return token{kind: tokNumber, text: text, num: f, pos: start}, nil
}

// lexAll tokenizes the whole query up front: queries are short and the parser needs look-ahead.
func lexAll(src string) ([]token, error) {
	l := lexer{src: src}
	var toks []token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.kind == tokEOF {
			return toks, nil
		}
	}
}
